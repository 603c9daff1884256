import Foundation

/// GPT-2's tanh-approximated GELU ("gelu_new" in TransformerLens).
@inline(__always)
public func geluNew(_ x: Float) -> Float {
    let c: Float = 0.7978845608028654 // sqrt(2/pi)
    return 0.5 * x * (1 + tanhf(c * (x + 0.044715 * x * x * x)))
}

public enum Activation: String, Sendable, Codable {
    case geluNew = "gelu_new"
    case gelu = "gelu"
    case relu = "relu"

    /// Applies the activation in place to `count` values.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .geluNew:
            geluNewVector(x, count: count)
        case .gelu:
            for i in 0..<count { x[i] = 0.5 * x[i] * (1 + erff(x[i] * 0.7071067811865476)) }
        case .relu:
            for i in 0..<count where x[i] < 0 { x[i] = 0 }
        }
    }
}
