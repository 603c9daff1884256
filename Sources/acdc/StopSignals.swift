import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM as events instead of sudden death, so a run can leave
/// a resumable checkpoint and a sweep can stop its children first.
enum StopSignals {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    private static let queue = DispatchQueue(label: "acdc.stop-signals")

    /// Calls `handler` (on a private queue) with the signal number of the
    /// first SIGINT or SIGTERM; later ones are ignored while it runs.
    static func install(_ handler: @escaping @Sendable (Int32) -> Void) {
        let once = Once()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)          // the dispatch source receives it instead
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { if once.first() { handler(sig) } }
            source.resume()
            sources.append(source)
        }
    }

    /// The conventional exit status of a process stopped by `signal`.
    static func exitStatus(_ signal: Int32) -> Int32 { 128 + signal }

    /// The environment variable a sweep sets for its children: their stdin is
    /// a pipe whose only writer is the sweep, so EOF means the sweep died.
    static let parentPipeVariable = "ACDC_PARENT_STDIN_PIPE"

    /// In a sweep's child: when the sweep dies (even by SIGKILL) its end of
    /// the stdin pipe closes; stop as if SIGTERM had come (checkpoint, exit 143).
    static func watchParentIfSweepChild() {
        guard ProcessInfo.processInfo.environment[parentPipeVariable] == "1" else { return }
        let t = Thread {
            var byte: UInt8 = 0
            while true {
                let n = read(0, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }       // EOF (the sweep is gone) or an error
            }
            kill(getpid(), SIGTERM)
        }
        t.name = "parent-watch"
        t.start()
    }

    private final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var done = false
        func first() -> Bool { lock.lock(); defer { lock.unlock() }; if done { return false }; done = true; return true }
    }
}
