import Dispatch

/// Fork-join over a fixed number of parts. The partitioning of work never
/// depends on the machine (only on the problem's shape), so results are
/// bit-identical whatever the core count; the cores only decide how many
/// parts run at once.
public enum Parallel {
    /// The most parts any split uses, so the most threads one computation (an
    /// ACDC run: BLAS stays single-threaded) keeps busy; a Slurm task asks for this many CPUs.
    public static let maxParts = 2

    /// Runs `body(0..<parts)`, concurrently when `parts > 1`.
    /// Callers share memory across parts only through disjoint ranges.
    public static func forEach(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 { body(0); return }
        withoutActuallyEscaping(body) { body in
            let work = Work(body: body)
            DispatchQueue.concurrentPerform(iterations: parts) { work.body($0) }
        }
    }

    private struct Work: @unchecked Sendable { let body: (Int) -> Void }

    /// Splits `0..<count` into `parts` contiguous ranges, boundaries rounded to `multiple`.
    public static func split(_ count: Int, parts: Int, multiple: Int = 1) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var lo = 0
        for p in 1...max(parts, 1) {
            var hi = p == parts ? count : (count * p / parts) / multiple * multiple
            hi = min(max(hi, lo), count)
            out.append(lo..<hi)
            lo = hi
        }
        return out
    }
}
