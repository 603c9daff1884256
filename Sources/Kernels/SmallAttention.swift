import Foundation

/// Which keys a query sees and how a raw `q·k` becomes a score: the one
/// definition of attention scaling, logit soft-capping, causal masking and
/// sliding windows, shared by the batched attention of the full forward pass
/// and the per-row attention below.
public struct AttentionRule: Sendable, Equatable {
    /// Multiplies `q·k` (1/√d_head unless the model says otherwise).
    public var scale: Float
    /// Gemma 2: `score = cap · tanh(score / cap)` before masking.
    public var softcap: Float?
    public var causal: Bool
    /// Sliding window: query t sees keys s with `t − s < window`.
    public var window: Int?

    public init(scale: Float, softcap: Float? = nil, causal: Bool, window: Int? = nil) {
        self.scale = scale; self.softcap = softcap; self.causal = causal; self.window = window
    }

    /// The keys query position `t` attends to in a sequence of `seqLen`.
    @inline(__always)
    public func keys(query t: Int, seqLen: Int) -> Range<Int> {
        let lo = window.map { Swift.max(0, t - $0 + 1) } ?? 0
        return lo..<(causal ? t + 1 : seqLen)
    }

    /// Soft-caps already scaled scores in place (no-op without a cap).
    @inline(__always)
    public func cap(_ s: UnsafeMutablePointer<Float>, count: Int) {
        guard let c = softcap else { return }
        for i in 0..<count { s[i] = c * tanhf(s[i] / c) }
    }

    /// Writes `maskedAttentionScore` into the keys of a `queries × keys`
    /// score block that lie before the sliding window (future keys are left
    /// to `softmaxRows`' causal mask). `queryOffset`: position of row 0.
    public func maskWindow(_ scores: UnsafeMutablePointer<Float>, queries: Int, keys: Int, queryOffset: Int = 0) {
        guard window != nil else { return }
        for q in 0..<queries {
            let lo = self.keys(query: q + queryOffset, seqLen: keys).lowerBound
            for k in 0..<Swift.min(lo, keys) { scores[q * keys + k] = maskedAttentionScore }
        }
    }
}

/// Attention for selected query rows, written as plain loops: at ACDC's
/// sequence lengths (tens of tokens) a BLAS call per (row, head) costs more
/// in packing than the arithmetic, and per-row loops make every query row's
/// result independent of which other rows are computed.
///
/// `q`: `[queryRows.count, dh]` (row i is query `queryRows[i]` = b·T + t);
/// `k`, `v`: `[B·T, dh]`; `z`: `[queryRows.count, dh]`; `scores` room for T
/// floats. Masked keys are skipped, which is exact: TransformerLens's −1e5
/// mask underflows to 0.
public func attendRows(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                       queryRows: [Int], seqLen T: Int, dHead dh: Int, rule: AttentionRule,
                       z: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>) {
    let scale = rule.scale
    for (i, row) in queryRows.enumerated() {
        let b = row / T, t = row % T
        let keys = rule.keys(query: t, seqLen: T)
        let qi = q + i * dh
        for s in keys {
            let ks = k + (b * T + s) * dh
            var dot: Float = 0
            for j in 0..<dh { dot += qi[j] * ks[j] }
            scores[s] = dot * scale
        }
        rule.cap(scores + keys.lowerBound, count: keys.count)
        var mx = -Float.infinity
        for s in keys where scores[s] > mx { mx = scores[s] }
        var sum: Float = 0
        for s in keys { let e = expf(scores[s] - mx); scores[s] = e; sum += e }
        let inv = 1 / sum
        let zi = z + i * dh
        for j in 0..<dh { zi[j] = 0 }
        for s in keys {
            let p = scores[s] * inv
            let vs = v + (b * T + s) * dh
            for j in 0..<dh { zi[j] += p * vs[j] }
        }
    }
}
