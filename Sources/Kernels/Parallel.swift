import Dispatch
import Foundation

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

/// One long-lived second thread for fine-grained pairs of jobs (a few
/// hundred microseconds each), where starting work through Dispatch costs
/// too much: `both(mine, theirs)` runs `theirs` on the side thread and
/// `mine` on the caller's, and returns when both are done.
public final class SideThread: @unchecked Sendable {
    private final class Channel: @unchecked Sendable {
        let start = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        var job: (() -> Void)?
        var stop = false
    }
    private let channel = Channel()

    public init() {
        let ch = channel
        let thread = Thread {
            while true {
                ch.start.wait()
                if ch.stop { return }
                ch.job?()
                ch.done.signal()
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit {
        channel.stop = true
        channel.start.signal()
    }

    public func both(_ mine: () -> Void, _ theirs: () -> Void) {
        withoutActuallyEscaping(theirs) { theirs in
            channel.job = theirs
            channel.start.signal()
            mine()
            channel.done.wait()
            channel.job = nil
        }
    }
}
