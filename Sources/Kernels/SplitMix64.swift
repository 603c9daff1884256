/// SplitMix64: a tiny seeded generator that gives the same sequence on every
/// platform (unlike the system generator), for random benchmark weights and
/// reproducible test inputs.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 24 bits (exact in Float).
    public mutating func unitFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Uniform in [−a, a).
    public mutating func symmetric(_ a: Float) -> Float {
        Float(next() >> 40) * (2 * a / Float(1 << 24)) - a
    }

    /// Uniform in 0..<n (modulo reduction: the tiny bias does not matter here).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
