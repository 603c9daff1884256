/// TransformerLens LayerNorm over the last axis of `rows × width`:
/// `x − mean(x)`, divided by `sqrt(mean(centred²) + eps)`, then `· w + b`.
/// `w`/`b` nil gives LNPre (folded LayerNorm). `input` and `output` may alias.
///
/// Fast path: two passes with Double accumulators (more accurate than float32
/// and independent of SIMD width, so results are reproducible run to run).
public func layerNorm(
    _ input: UnsafePointer<Float>, rows: Int, width: Int,
    weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float,
    output: UnsafeMutablePointer<Float>
) {
    let invW = 1.0 / Double(width)
    for r in 0..<rows {
        let x = input + r * width
        let y = output + r * width
        var sum: Double = 0
        for i in 0..<width { sum += Double(x[i]) }
        let mean = Float(sum * invW)
        var sq: Double = 0
        for i in 0..<width { let c = Double(x[i] - mean); sq += c * c }
        let scale = Float((sq * invW + Double(eps)).squareRoot())
        let inv = 1 / scale
        if let w = weight, let b = bias {
            for i in 0..<width { y[i] = (x[i] - mean) * inv * w[i] + b[i] }
        } else if let w = weight {
            for i in 0..<width { y[i] = (x[i] - mean) * inv * w[i] }
        } else {
            for i in 0..<width { y[i] = (x[i] - mean) * inv }
        }
    }
}

/// Slow reference LayerNorm written as the formula, for tests.
public func referenceLayerNorm(_ x: [Float], width: Int, weight: [Float]?, bias: [Float]?, eps: Float) -> [Float] {
    var out = [Float](repeating: 0, count: x.count)
    for r in 0..<(x.count / width) {
        let row = Array(x[(r * width)..<((r + 1) * width)])
        let mean = row.reduce(0.0) { $0 + Double($1) } / Double(width)
        let centred = row.map { Double($0) - mean }
        let varc = centred.reduce(0.0) { $0 + $1 * $1 } / Double(width)
        let s = (varc + Double(eps)).squareRoot()
        for i in 0..<width {
            var v = centred[i] / s
            if let w = weight { v *= Double(w[i]) }
            if let b = bias { v += Double(b[i]) }
            out[r * width + i] = Float(v)
        }
    }
    return out
}
