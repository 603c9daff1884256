/// TransformerLens LayerNorm over the last axis of `rows × width`:
/// `x − mean(x)`, divided by `scale = sqrt(mean(centred²) + eps)` (TL's
/// `hook_scale`), then `· w + b`. `w`/`b` nil gives LNPre (folded LayerNorm).
///
/// Sums use Double accumulators (more accurate than float32 and independent of
/// SIMD width, so results are reproducible run to run). The mean is rounded to
/// float32 before centring, as torch does. The fused `layerNorm` and the split
/// `layerNormScales` + `layerNorm(scales:)` pair share `rowMeanAndScale`, so
/// a forward that exposes `hook_scale` gets bit-identical results to one that
/// does not.

/// Mean (rounded to float32) and TL scale of one row.
@inline(__always)
func rowMeanAndScale(_ x: UnsafePointer<Float>, width: Int, eps: Float) -> (mean: Float, scale: Float) {
    let invW = 1.0 / Double(width)
    var sum: Double = 0
    for i in 0..<width { sum += Double(x[i]) }
    let mean = Float(sum * invW)
    var sq: Double = 0
    for i in 0..<width { let c = Double(x[i] - mean); sq += c * c }
    return (mean, Float((sq * invW + Double(eps)).squareRoot()))
}

/// `y = (x − mean) · (1/scale) · w + b` for one row; `y` may alias `x`.
@inline(__always)
func normalizeRow(_ x: UnsafePointer<Float>, mean: Float, scale: Float, width: Int,
                  weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>) {
    let inv = 1 / scale
    if let w = weight, let b = bias {
        for i in 0..<width { y[i] = (x[i] - mean) * inv * w[i] + b[i] }
    } else if let w = weight {
        for i in 0..<width { y[i] = (x[i] - mean) * inv * w[i] }
    } else if let b = bias {
        for i in 0..<width { y[i] = (x[i] - mean) * inv + b[i] }
    } else {
        for i in 0..<width { y[i] = (x[i] - mean) * inv }
    }
}

/// LayerNorm of `rows` contiguous rows. `input` and `output` may alias.
public func layerNorm(
    _ input: UnsafePointer<Float>, rows: Int, width: Int,
    weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float,
    output: UnsafeMutablePointer<Float>
) {
    for r in 0..<rows {
        let x = input + r * width
        let (mean, scale) = rowMeanAndScale(x, width: width, eps: eps)
        normalizeRow(x, mean: mean, scale: scale, width: width, weight: weight, bias: bias, output + r * width)
    }
}

/// TL's `hook_scale` of each row (row r starts at `input + r·stride`): `sqrt(var + eps)`.
public func layerNormScales(_ input: UnsafePointer<Float>, rows: Int, width: Int, stride: Int? = nil,
                            eps: Float, output: UnsafeMutablePointer<Float>) {
    let stride = stride ?? width
    for r in 0..<rows { output[r] = rowMeanAndScale(input + r * stride, width: width, eps: eps).scale }
}

/// LayerNorm that divides by the given per-row `scales` instead of recomputing
/// them: a hook that rewrote `hook_scale` changes the output, as in TL.
/// With unmodified scales it equals `layerNorm` bit for bit.
public func layerNorm(
    _ input: UnsafePointer<Float>, rows: Int, width: Int, scales: UnsafePointer<Float>,
    weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float,
    output: UnsafeMutablePointer<Float>
) {
    for r in 0..<rows {
        let x = input + r * width
        let mean = rowMeanAndScale(x, width: width, eps: eps).mean
        normalizeRow(x, mean: mean, scale: scales[r], width: width, weight: weight, bias: bias, output + r * width)
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
