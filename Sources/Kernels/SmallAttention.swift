import Foundation

/// Attention for selected query rows, written as plain loops: at ACDC's
/// sequence lengths (tens of tokens) a BLAS call per (row, head) costs more
/// in packing than the arithmetic, and per-row loops make every query row's
/// result independent of which other rows are computed.
///
/// `q`: `[queryRows.count, dh]` (row i is query `queryRows[i]` = b·T + t);
/// `k`, `v`: `[B·T, dh]`; `z`: `[queryRows.count, dh]`. Causal models skip
/// future keys, which is exact: TransformerLens's −1e5 mask underflows to 0.
public func attendRows(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                       queryRows: [Int], seqLen T: Int, dHead dh: Int, causal: Bool, scale: Float,
                       z: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>) {
    for (i, row) in queryRows.enumerated() {
        let b = row / T, t = row % T
        let keys = causal ? t + 1 : T
        let qi = q + i * dh
        var mx = -Float.infinity
        for s in 0..<keys {
            let ks = k + (b * T + s) * dh
            var dot: Float = 0
            for j in 0..<dh { dot += qi[j] * ks[j] }
            let sc = dot * scale
            scores[s] = sc
            if sc > mx { mx = sc }
        }
        var sum: Float = 0
        for s in 0..<keys { let e = expf(scores[s] - mx); scores[s] = e; sum += e }
        let inv = 1 / sum
        let zi = z + i * dh
        for j in 0..<dh { zi[j] = 0 }
        for s in 0..<keys {
            let p = scores[s] * inv
            let vs = v + (b * T + s) * dh
            for j in 0..<dh { zi[j] += p * vs[j] }
        }
    }
}
