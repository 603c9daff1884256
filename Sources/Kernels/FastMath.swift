/// Vectorisable float32 `exp` and `tanh` for activations, accurate to a few
/// ulp (libm's scalar `tanhf` dominated MLP time). `geluNew(_:)` in
/// Activations.swift keeps the libm formula as the test oracle.
///
/// Written as scalar code the optimiser vectorises; Swift's generic SIMD
/// conversions are not reliably specialised and were slower than libm.

/// e^x for x in [-87, 88] (clamped outside): Cody–Waite reduction
/// x = k·ln2 + r, |r| ≤ ln2/2, then a degree-6 polynomial for e^r.
@inline(__always)
public func fastExp(_ x: Float) -> Float {
    let xc = min(max(x, -87.3), 88.3)
    // Round to nearest integer with the 1.5·2^23 trick (no float→int conversion on the hot path).
    let shifter: Float = 12_582_912
    let k = (xc * 1.44269504088896341 + shifter) - shifter
    var r = xc - k * 0.693359375      // ln2 high part (exact in float)
    r = r - k * (-2.12194440e-4)      // ln2 low part
    var p: Float = 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let scale = Float(bitPattern: UInt32(truncatingIfNeeded: Int32(k) &+ 127) &<< 23)
    return p * scale
}

/// tanh(x) = 1 − 2/(e^{2x} + 1): absolute error ~1e-7, all the `1 + tanh(·)`
/// of gelu_new can resolve.
@inline(__always)
public func fastTanh(_ x: Float) -> Float {
    1 - 2 / (fastExp(2 * x) + 1)
}

/// gelu_new over a buffer.
func geluNewVector(_ x: UnsafeMutablePointer<Float>, count: Int) {
    let c: Float = 0.7978845608028654
    for i in 0..<count {
        let v = x[i]
        x[i] = 0.5 * v * (1 + fastTanh(c * (v + 0.044715 * v * v * v)))
    }
}
