import Foundation

/// GPT-2's tanh-approximated GELU ("gelu_new" in TransformerLens):
/// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
@inline(__always)
public func geluNew(_ x: Float) -> Float {
    let c: Float = 0.7978845608028654 // sqrt(2/pi)
    return 0.5 * x * (1 + tanhf(c * (x + 0.044715 * x * x * x)))
}

/// The same function as `0.5·(1 + tanh(u)) = 1/(1 + e^(−2u))`, i.e.
/// `x / (1 + e^(−2u))`, with a branch-free `exp` so the bulk loop in
/// `Activation.apply` vectorises (libm's `tanhf` does not, and was ~30% of a
/// GPT-2 forward). Agrees with `geluNew` to a few float32 ulps; for x ≲ −5
/// it keeps the tiny negative value where the tanh form rounds 1 + tanh to 0.
@inline(__always)
func geluNewVectorizable(_ x: Float) -> Float {
    let c: Float = 0.7978845608028654
    let u = c * (x + 0.044715 * x * x * x)
    return x / (1 + expBranchFree(-2 * u))
}

/// `e^x` for float32 without branches or table look-ups: `x = k·ln2 + r` with
/// |r| ≤ ln2/2, `e^r` by its Taylor series to degree 7 (truncation error
/// < 5e-9 relative, below float32 resolution), `2^k` built in the exponent
/// bits. The argument is clamped to [−87, 88] so 2^k stays a normal float:
/// results saturate at e^−87 ≈ 1.6e-38 and e^88 ≈ 1.7e38 instead of 0 / ∞,
/// which is what callers dividing by `1 + e^x` want.
@inline(__always)
func expBranchFree(_ xIn: Float) -> Float {
    let x = Swift.min(Swift.max(xIn, -87), 88)
    // k = round(x / ln 2): adding and subtracting 1.5·2²³ rounds to an integer
    // in the float adder (|x / ln 2| < 2²²), vectorising where `rounded()` would
    // call `rintf` per element on baseline x86-64 (no SSE4.1 `roundps`).
    let shifter: Float = 12_582_912
    let k = (x * 1.442695040888963 + shifter) - shifter
    // ln 2 split in a part exact in float32 and a remainder (Cody–Waite).
    let r = (x - k * 0.693145751953125) - k * 1.428606765330187e-06
    var p: Float = 1.0 / 5040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let twoK = Float(bitPattern: UInt32(truncatingIfNeeded: Int32(k) + 127) << 23)
    return p * twoK
}

public enum Activation: String, Sendable, Codable {
    case geluNew = "gelu_new"
    /// PyTorch's `gelu(approximate="tanh")`: the same function as gelu_new (Gemma's activation).
    case geluPytorchTanh = "gelu_pytorch_tanh"
    case gelu = "gelu"
    case relu = "relu"
    /// `x·sigmoid(x)` (Llama, Qwen2, Mistral, Phi-3, OLMo 2).
    case silu = "silu"

    /// Applies the activation in place to `count` values.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .geluNew, .geluPytorchTanh:
            for i in 0..<count { x[i] = geluNewVectorizable(x[i]) }
        case .silu:
            for i in 0..<count { x[i] = x[i] / (1 + expBranchFree(-x[i])) }
        case .gelu:
            for i in 0..<count { x[i] = 0.5 * x[i] * (1 + erff(x[i] * 0.7071067811865476)) }
        case .relu:
            for i in 0..<count where x[i] < 0 { x[i] = 0 }
        }
    }
}

extension Activation {
    /// Backward of `apply`: `grad[i] *= act'(pre[i])`, `pre` being the
    /// activation's input (TL's `hook_pre`).
    public func backward(pre: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .geluNew, .geluPytorchTanh:
            // With σ = (1 + tanh u)/2 = 1/(1 + e^(−2u)): d/dx = σ + x·2σ(1 − σ)·u'
            // (1 − tanh² = 4σ(1 − σ)); branch-free exp, so the loop vectorises.
            let c: Float = 0.7978845608028654
            for i in 0..<count {
                let x = pre[i], u = c * (x + 0.044715 * x * x * x)
                let sigma = 1 / (1 + expBranchFree(-2 * u))
                grad[i] *= sigma + x * 2 * sigma * (1 - sigma) * c * (1 + 3 * 0.044715 * x * x)
            }
        case .silu:
            for i in 0..<count {
                let x = pre[i], s = 1 / (1 + expBranchFree(-x))
                grad[i] *= s * (1 + x * (1 - s))
            }
        case .gelu:
            for i in 0..<count {
                let x = pre[i]
                grad[i] *= 0.5 * (1 + erff(x * 0.7071067811865476)) + x * 0.3989422804014327 * expf(-0.5 * x * x)
            }
        case .relu:
            for i in 0..<count where pre[i] <= 0 { grad[i] = 0 }
        }
    }
}
