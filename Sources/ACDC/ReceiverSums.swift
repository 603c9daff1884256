/// Element-wise kernels of the receiver arithmetic. A receiver's value is
/// `x = float(double(x̃) + S)` with `S = Σ_present (double(a) − double(ã))`
/// accumulated in double precision, in a fixed (canonical) parent order.
/// Plain loops over contiguous memory, which the optimiser vectorises.

/// `s += double(a) − double(c)`
@inline(__always)
func accumulateDifference(_ s: UnsafeMutablePointer<Double>, _ a: UnsafePointer<Float>, _ c: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { s[i] += Double(a[i]) - Double(c[i]) }
}

/// `s += double(a₁) − double(c₁)`, then `+= double(a₂) − double(c₂)`, …:
/// the same additions, in the same order for every element, as calling
/// `accumulateDifference` once per pair, but over blocks that keep `s` in
/// the L1 cache, so each sender costs one pass over its two float arrays
/// instead of also a read and a write of the double sum.
func accumulateDifferences(_ s: UnsafeMutablePointer<Double>, _ pairs: [(UnsafePointer<Float>, UnsafePointer<Float>)], count: Int) {
    let block = 512
    pairs.withUnsafeBufferPointer { pairs in
        var lo = 0
        while lo < count {
            let n = min(block, count - lo)
            let sb = s + lo
            for (a, c) in pairs {
                let ab = a + lo, cb = c + lo
                for i in 0..<n { sb[i] += Double(ab[i]) - Double(cb[i]) }
            }
            lo += n
        }
    }
}

/// `out = s − (double(a) − double(c))`: the running sum with one parent taken out.
@inline(__always)
func removeDifference(_ s: UnsafePointer<Double>, _ a: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                      into out: UnsafeMutablePointer<Double>, count: Int) {
    for i in 0..<count { out[i] = s[i] - (Double(a[i]) - Double(c[i])) }
}

/// `out = s + (double(a) − double(c))`
@inline(__always)
func addDifference(_ s: UnsafePointer<Double>, _ a: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                   into out: UnsafeMutablePointer<Double>, count: Int) {
    for i in 0..<count { out[i] = s[i] + (Double(a[i]) - Double(c[i])) }
}

/// `x = float(double(base) + s)`
@inline(__always)
func roundSum(_ base: UnsafePointer<Float>, _ s: UnsafePointer<Double>, into x: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { x[i] = Float(Double(base[i]) + s[i]) }
}

/// Bitwise equality of two float arrays (−0 ≠ +0, NaN payloads compared).
func bitwiseEqual(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Bool {
    let x = UnsafeRawPointer(a).assumingMemoryBound(to: UInt32.self)
    let y = UnsafeRawPointer(b).assumingMemoryBound(to: UInt32.self)
    var diff: UInt32 = 0
    for i in 0..<count { diff |= x[i] ^ y[i] }
    return diff == 0
}
