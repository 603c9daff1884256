import Foundation

/// The score TransformerLens writes into masked (future) attention positions.
/// It is a finite constant, not −∞, and we copy it for bit-level parity.
public let maskedAttentionScore: Float = -100_000

/// In-place softmax of each row of a `queries × keys` score matrix.
/// With `causal`, keys after the query position are first set to
/// `maskedAttentionScore` (their exp underflows to 0, as in TransformerLens).
/// `queryOffset` is the absolute position of row 0 when only a suffix of
/// queries is computed.
public func softmaxRows(
    _ scores: UnsafeMutablePointer<Float>, queries: Int, keys: Int,
    causal: Bool, queryOffset: Int = 0
) {
    for q in 0..<queries {
        let row = scores + q * keys
        if causal {
            let last = q + queryOffset
            if last + 1 < keys { for k in (last + 1)..<keys { row[k] = maskedAttentionScore } }
        }
        var mx = row[0]
        for k in 1..<keys where row[k] > mx { mx = row[k] }
        var sum: Float = 0
        for k in 0..<keys { let e = expf(row[k] - mx); row[k] = e; sum += e }
        let inv = 1 / sum
        for k in 0..<keys { row[k] *= inv }
    }
}

/// log-softmax of one row into `output`, in float32 as PyTorch computes it
/// (`x − max − log Σ exp(x − max)`): metric values are compared with the
/// reference's float32 results, whose rounding of the normaliser shifts
/// KL-type metrics by ~1e-7, so we round the same way.
public func logSoftmax(_ x: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>) {
    var mx = x[0]
    for i in 1..<count where x[i] > mx { mx = x[i] }
    var sum: Float = 0
    for i in 0..<count { sum += expf(x[i] - mx) }
    let logSum = logf(sum)
    for i in 0..<count { output[i] = (x[i] - mx) - logSum }
}

/// Backward of `softmaxRows`: given the probabilities `p` and `dp` (both
/// `queries × keys`), overwrites `dp` with the scores' gradient
/// `p ⊙ (dp − Σ_k dp·p)`. Masked keys have p = 0, so they get none.
public func softmaxRowsBackward(_ p: UnsafePointer<Float>, _ dp: UnsafeMutablePointer<Float>, queries: Int, keys: Int) {
    for q in 0..<queries {
        let pr = p + q * keys, g = dp + q * keys
        var dot: Float = 0
        for k in 0..<keys { dot += pr[k] * g[k] }
        for k in 0..<keys { g[k] = pr[k] * (g[k] - dot) }
    }
}
