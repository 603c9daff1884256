/// A tiny deterministic generator (SplitMix64) so kernel tests see the same
/// inputs on every run and every platform.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    mutating func float(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        let unit = Float(next() >> 40) / Float(1 << 24)
        return lo + (hi - lo) * unit
    }

    mutating func floats(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0..<n).map { _ in float(lo, hi) }
    }
}

/// Largest |a − b| over two equally long arrays, with the index where it occurs.
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> (diff: Float, index: Int) {
    precondition(a.count == b.count)
    var worst: Float = 0, at = 0
    for i in 0..<a.count where abs(a[i] - b[i]) > worst || abs(a[i] - b[i]).isNaN {
        worst = abs(a[i] - b[i]); at = i
        if worst.isNaN { break }
    }
    return (worst, at)
}
