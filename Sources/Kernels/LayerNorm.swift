/// TransformerLens LayerNorm over the last axis of `rows × width`:
/// `x − mean(x)`, divided by `scale = sqrt(mean(centred²) + eps)` (TL's
/// `hook_scale`), then `· w + b`. `w`/`b` nil gives LNPre (folded LayerNorm).
///
/// Sums use Double accumulators in a fixed lane order (more accurate than
/// float32, and reproducible run to run). The mean is rounded to
/// float32 before centring, as torch does. The fused `layerNorm` and the split
/// `layerNormScales` + `layerNorm(scales:)` pair share `rowMeanAndScale`, so
/// a forward that exposes `hook_scale` gets bit-identical results to one that
/// does not.

/// Mean (rounded to float32) and TL scale of one row.
///
/// Eight Double lanes accumulate elements i ≡ lane (mod 8), then the lanes
/// are added in a fixed order: vectorisable (the scalar loop was bound by
/// the latency of one Double add per element) and still deterministic.
@inline(__always)
func rowMeanAndScale(_ x: UnsafePointer<Float>, width: Int, eps: Float) -> (mean: Float, scale: Float) {
    let invW = 1.0 / Double(width)
    let raw = UnsafeRawPointer(x)
    var acc = SIMD8<Double>()
    var i = 0
    while i + 8 <= width {
        acc += SIMD8<Double>(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
        i += 8
    }
    var sum = laneSum(acc)
    while i < width { sum += Double(x[i]); i += 1 }
    let mean = Float(sum * invW)
    let m8 = SIMD8<Float>(repeating: mean)
    acc = SIMD8<Double>()
    i = 0
    while i + 8 <= width {
        let c = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m8)
        acc += c * c
        i += 8
    }
    var sq = laneSum(acc)
    while i < width { let c = Double(x[i] - mean); sq += c * c; i += 1 }
    return (mean, Float((sq * invW + Double(eps)).squareRoot()))
}

/// Pairwise sum of the lanes in a fixed order.
@inline(__always)
func laneSum(_ v: SIMD8<Double>) -> Double {
    let h = v.lowHalf + v.highHalf
    let q = h.lowHalf + h.highHalf
    return q[0] + q[1]
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

/// RMSNorm scale of one row: `sqrt(mean(x²) + eps)` (TL's RMSNorm `hook_scale`),
/// accumulated in Double lanes like `rowMeanAndScale`.
@inline(__always)
func rowRMSScale(_ x: UnsafePointer<Float>, width: Int, eps: Float) -> Float {
    let raw = UnsafeRawPointer(x)
    var acc = SIMD8<Double>()
    var i = 0
    while i + 8 <= width {
        let v = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
        acc += v * v
        i += 8
    }
    var sq = laneSum(acc)
    while i < width { let v = Double(x[i]); sq += v * v; i += 1 }
    return Float((sq / Double(width) + Double(eps)).squareRoot())
}

/// RMSNorm of `rows` contiguous rows: `y = x / sqrt(mean(x²) + eps) · (w + weightOffset)`
/// (Gemma stores `w − 1`: weightOffset 1). `scales`, when given, replaces the
/// computed per-row scale (a rewritten `hook_scale`). `input` and `output` may alias.
public func rmsNorm(
    _ input: UnsafePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>?, weightOffset: Float = 0,
    eps: Float, scales: UnsafePointer<Float>? = nil, output: UnsafeMutablePointer<Float>
) {
    for r in 0..<rows {
        let x = input + r * width, y = output + r * width
        let inv = 1 / (scales?[r] ?? rowRMSScale(x, width: width, eps: eps))
        if let w = weight {
            for i in 0..<width { y[i] = (x[i] * inv) * (w[i] + weightOffset) }
        } else {
            for i in 0..<width { y[i] = x[i] * inv }
        }
    }
}

/// TL's RMSNorm `hook_scale` of each row: `sqrt(mean(x²) + eps)`.
public func rmsNormScales(_ input: UnsafePointer<Float>, rows: Int, width: Int, eps: Float, output: UnsafeMutablePointer<Float>) {
    for r in 0..<rows { output[r] = rowRMSScale(input + r * width, width: width, eps: eps) }
}

// MARK: backward

/// Backward of `layerNorm` (weight `w`, nil for LNPre): given `dy` for `rows`
/// rows of `x`, `dx = (1/s)·(g − mean(g) − x̂·mean(g·x̂))` with `g = dy·w`,
/// `x̂ = (x − mean)/s`. Row r of `x` starts at `x + r·ldx` (a head's input can be
/// a shared residual row); `dx` is contiguous and is added to when `accumulate`.
/// The means run in Double, like the forward's statistics.
public func layerNormBackward(
    _ x: UnsafePointer<Float>, ldx: Int? = nil, rows: Int, width: Int, weight: UnsafePointer<Float>?, eps: Float,
    dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, accumulate: Bool = false
) {
    let ld = ldx ?? width
    let xhat = UnsafeMutablePointer<Float>.allocate(capacity: width), g = UnsafeMutablePointer<Float>.allocate(capacity: width)
    defer { xhat.deallocate(); g.deallocate() }
    for r in 0..<rows {
        let xr = x + r * ld, dyr = dy + r * width, out = dx + r * width
        let (mean, scale) = rowMeanAndScale(xr, width: width, eps: eps)
        let inv = 1 / scale
        if let w = weight { for i in 0..<width { g[i] = dyr[i] * w[i] } } else { g.update(from: dyr, count: width) }
        for i in 0..<width { xhat[i] = (xr[i] - mean) * inv }
        // Sums in Double lanes (as the forward's statistics), products in float32.
        var accG = SIMD8<Double>(), accGX = SIMD8<Double>()
        var i = 0
        let gRaw = UnsafeRawPointer(g), xRaw = UnsafeRawPointer(xhat)
        while i + 8 <= width {
            let gv = gRaw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let xv = xRaw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            accG += SIMD8<Double>(gv); accGX += SIMD8<Double>(gv * xv)
            i += 8
        }
        var sumG = laneSum(accG), sumGX = laneSum(accGX)
        while i < width { sumG += Double(g[i]); sumGX += Double(g[i] * xhat[i]); i += 1 }
        let mG = Float(sumG / Double(width)), mGX = Float(sumGX / Double(width))
        if accumulate {
            for i in 0..<width { out[i] += inv * (g[i] - mG - xhat[i] * mGX) }
        } else {
            for i in 0..<width { out[i] = inv * (g[i] - mG - xhat[i] * mGX) }
        }
    }
}

/// Backward of `rmsNorm`: `dx = (1/s)·(g − x̂·mean(g·x̂))` with `g = dy·(w + offset)`, `x̂ = x/s`.
/// Layout as in `layerNormBackward`.
public func rmsNormBackward(
    _ x: UnsafePointer<Float>, ldx: Int? = nil, rows: Int, width: Int, weight: UnsafePointer<Float>?, weightOffset: Float = 0,
    eps: Float, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, accumulate: Bool = false
) {
    let ld = ldx ?? width
    for r in 0..<rows {
        let xr = x + r * ld, g = dy + r * width, out = dx + r * width
        let inv = 1 / Double(rowRMSScale(xr, width: width, eps: eps))
        func gw(_ i: Int) -> Double { Double(g[i]) * (weight.map { Double($0[i] + weightOffset) } ?? 1) }
        var sumGX = 0.0
        for i in 0..<width { sumGX += gw(i) * Double(xr[i]) * inv }
        let mGX = sumGX / Double(width)
        for i in 0..<width {
            let v = Float(inv * (gw(i) - Double(xr[i]) * inv * mGX))
            if accumulate { out[i] += v } else { out[i] = v }
        }
    }
}
