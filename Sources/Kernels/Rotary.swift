import Foundation

/// Rotary position embedding in the "rotate half" convention of Hugging Face
/// Llama / GPT-NeoX: the first `dim` components of each head vector are split
/// in halves (x₁, x₂) and rotated by angle `p·θᵢ`:
/// `(x₁·cos − x₂·sin, x₂·cos + x₁·sin)`; components beyond `dim` (partial
/// rotary) pass unchanged.
public struct Rotary: Sendable, Equatable {
    public let dim: Int
    /// θᵢ for i < dim/2, as float32 (transformers computes them in float32).
    public let inverseFrequencies: [Float]

    public init(dim: Int, inverseFrequencies: [Float]) {
        self.dim = dim; self.inverseFrequencies = inverseFrequencies
    }

    /// `cos`/`sin` tables `[positions, dim/2]` for positions 0..<count.
    public func tables(positions count: Int) -> (cos: [Float], sin: [Float]) {
        let half = dim / 2
        var c = [Float](repeating: 0, count: count * half), s = c
        for p in 0..<count {
            for i in 0..<half {
                let angle = Float(p) * inverseFrequencies[i]  // float32 product, as torch
                c[p * half + i] = Float(Foundation.cos(Double(angle)))
                s[p * half + i] = Float(Foundation.sin(Double(angle)))
            }
        }
        return (c, s)
    }

    /// Rotates `rows` vectors in place; row r (at `x + r·ld`) has position `positions(r)`.
    public func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, ld: Int, cos c: [Float], sin s: [Float],
                      position: (Int) -> Int) {
        rotate(x, rows: rows, ld: ld, cos: c, sin: s, sign: 1, position: position)
    }

    /// Backward of `apply`: a rotation's gradient is the inverse rotation (by −p·θᵢ).
    public func applyBackward(_ dx: UnsafeMutablePointer<Float>, rows: Int, ld: Int, cos c: [Float], sin s: [Float],
                              position: (Int) -> Int) {
        rotate(dx, rows: rows, ld: ld, cos: c, sin: s, sign: -1, position: position)
    }

    private func rotate(_ x: UnsafeMutablePointer<Float>, rows: Int, ld: Int, cos c: [Float], sin s: [Float],
                        sign: Float, position: (Int) -> Int) {
        let half = dim / 2
        c.withUnsafeBufferPointer { cp in s.withUnsafeBufferPointer { sp in
            for r in 0..<rows {
                let v = x + r * ld, p = position(r) * half
                for i in 0..<half {
                    let a = v[i], b = v[i + half], co = cp[p + i], si = sign * sp[p + i]
                    v[i] = a * co - b * si
                    v[i + half] = b * co + a * si
                }
            }
        } }
    }
}
