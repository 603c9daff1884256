import Kernels

/// Kernel tests draw their inputs from `SplitMix64`, so they see the same
/// inputs on every run and every platform.
typealias SeededRandom = SplitMix64

extension SplitMix64 {
    /// Uniform in [lo, hi).
    mutating func float(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        lo + (hi - lo) * unitFloat()
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
