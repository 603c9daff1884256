import ACDC
import Checkpoint
import Foundation

/// Writes checkpoints on a background thread so the search does not wait for
/// HDF5 encoding and fsync (about 2 ms per write on an idle disk, 10+ ms on a
/// busy one, which is more than a whole step of a small model).
///
/// Every step submits its checkpoint. When steps finish faster than the disk
/// takes them, a newer submission replaces one still waiting (the older
/// state is superseded: resuming from either gives the same final circuit,
/// because the search is deterministic), so the file on disk is at most one
/// write behind the search, and each write is still atomic (temp, fsync,
/// rename). `flush()` waits until the latest submission is on disk; the run
/// calls it before the result and before any deliberate stop.
///
/// The run directory's other files (experiment.json first, result.json
/// last) go through the same queue with `submitFile`: written atomically, in
/// submission order with the checkpoints and never superseded, so the
/// directory sees the run's events in order while the search waits for none
/// of their fsyncs.
final class CheckpointWriter: @unchecked Sendable {
    private enum Job { case checkpoint(RunCheckpoint), file(path: String, bytes: [UInt8]) }
    private let path: String
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var writing = false
    private var failure: Error?
    private var closed = false
    /// Set when the process is about to exit on a signal: later submissions
    /// park their caller for good, so nothing starts after the final flush.
    private var frozen = false
    private var thread: Thread?

    init(path: String) {
        self.path = path
        let t = Thread { [unowned self] in self.loop() }
        t.name = "checkpoint-writer"
        thread = t
        t.start()
    }

    /// Queues `checkpoint`, replacing one not yet started. Throws the error of
    /// an earlier failed write, so a full disk stops the run at the next step.
    func submit(_ checkpoint: RunCheckpoint) throws {
        condition.lock(); defer { condition.unlock() }
        while frozen { condition.wait() }
        if let failure { throw failure }
        if case .checkpoint = queue.last { queue[queue.count - 1] = .checkpoint(checkpoint) } else { queue.append(.checkpoint(checkpoint)) }
        condition.broadcast()
    }

    /// Queues a whole file, written (`AtomicFile`) after everything submitted
    /// before it and before anything submitted after it.
    func submitFile(_ bytes: [UInt8], to path: String) throws {
        condition.lock(); defer { condition.unlock() }
        while frozen { condition.wait() }
        if let failure { throw failure }
        queue.append(.file(path: path, bytes: bytes))
        condition.broadcast()
    }

    /// Waits until every submitted checkpoint and file is written (superseded
    /// checkpoints aside); rethrows a write failure.
    func flush() throws {
        condition.lock(); defer { condition.unlock() }
        while (!queue.isEmpty || writing) && failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// For a stop on a signal: accepts nothing more and waits until what was
    /// submitted is on disk, so the newest checkpoint is the last finished
    /// step; rethrows a write failure.
    func freezeAndFlush() throws {
        condition.lock()
        frozen = true
        condition.unlock()
        try flush()
    }

    /// Flushes and stops the thread.
    func close() throws {
        defer {
            condition.lock(); closed = true; condition.broadcast(); condition.unlock()
        }
        try flush()
    }

    private func loop() {
        condition.lock()
        while true {
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty { break }    // closed with nothing queued
            let job = queue.removeFirst()
            writing = true
            condition.unlock()
            var error: Error?
            do {
                switch job {
                case .checkpoint(let c): try CheckpointStore.write(c, to: path)
                case .file(let p, let bytes): try AtomicFile.write(bytes, to: p)
                }
            } catch let e { error = e }
            condition.lock()
            writing = false
            if let error, failure == nil { failure = error }
            condition.broadcast()
            if failure != nil { break }
        }
        condition.unlock()
    }
}
