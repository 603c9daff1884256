/// Small element-wise helpers used on the hot path; written as plain loops,
/// which the optimiser vectorises.

/// `y += x`
@inline(__always)
public func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { y[i] += x[i] }
}

/// `y -= x`
@inline(__always)
public func subtractInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { y[i] -= x[i] }
}

/// `out = a − b`
@inline(__always)
public func difference(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { out[i] = a[i] - b[i] }
}

/// Adds `bias[width]` to every row of `rows × width`.
@inline(__always)
public func addBiasRows(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width: Int) {
    for r in 0..<rows {
        let row = y + r * width
        for i in 0..<width { row[i] += bias[i] }
    }
}

/// Copies `width` bias values into every row (used to initialise GEMM outputs with beta = 1).
@inline(__always)
public func broadcastRows(_ y: UnsafeMutablePointer<Float>, row: UnsafePointer<Float>, rows: Int, width: Int) {
    for r in 0..<rows { (y + r * width).update(from: row, count: width) }
}
