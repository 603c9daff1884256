import ACDC
import Checkpoint
import Foundation

/// An `ACDCRun` bound to its run directory: a checkpoint after every step,
/// `result.json` at the end. Used by `run` and `resume` alike, so a resumed
/// run writes exactly what an uninterrupted one would.
final class CheckpointedRun {
    let run: ACDCRun
    let directory: RunDirectory
    let identity: RunIdentity
    let evaluatorKind: EvaluatorKind
    /// Wall time of earlier sessions of this run (0 for a fresh run).
    let earlierSeconds: Double
    let sessionStart: Date
    /// Testing aid: after this many steps of this session (0: right after the
    /// first checkpoint) the process SIGKILLs itself, like a crash would.
    var killAfterSteps: Int?

    private let edgeNames: [String]
    private var stepsThisSession = 0
    private let writer: CheckpointWriter
    /// Held for the life of the process: this is the directory's one writer.
    private let lock: RunLock

    init(run: ACDCRun, directory: RunDirectory, lock: RunLock, identity: RunIdentity, evaluatorKind: EvaluatorKind,
         earlierSeconds: Double, sessionStart: Date) {
        self.run = run; self.directory = directory; self.lock = lock; self.identity = identity
        self.evaluatorKind = evaluatorKind; self.earlierSeconds = earlierSeconds; self.sessionStart = sessionStart
        self.edgeNames = RunCheckpoint.edgeNames(of: run.graph)
        self.writer = CheckpointWriter(path: directory.checkpoint)
    }

    /// SIGINT/SIGTERM (or a sweep parent's death): the newest submitted
    /// checkpoint — the last finished step — goes to disk, then the process
    /// exits 130/143 with the command that continues the run.
    func stopOnSignals() {
        let writer = self.writer, path = directory.path
        StopSignals.install { sig in
            var message = "interrupted; resume with: acdc resume \(path)\n"
            do { try writer.freezeAndFlush() } catch {
                message = "interrupted; the last checkpoint could not be written (\(error)); "
                    + "the one before it resumes with: acdc resume \(path)\n"
            }
            FileHandle.standardError.write(Data(("\n" + message).utf8))
            _exit(StopSignals.exitStatus(sig))   // no exit-time teardown racing the search thread
        }
    }

    /// Starts a fresh run in `directory`: refuses to clobber an existing run
    /// unless `overwrite`, writes `experiment.json`, loads the model and writes
    /// the first checkpoint (cursor 0). `sessionStart` is when the command
    /// began, so the run's time includes loading.
    static func begin(experiment: Experiment, options: ACDCOptions, evaluator kind: EvaluatorKind,
                      directory: RunDirectory, overwrite: Bool, sessionStart: Date,
                      killAfterSteps: Int? = nil) throws -> CheckpointedRun {
        let fm = FileManager.default
        let existed = fm.fileExists(atPath: directory.path)
        // The lock first, so the checks below cannot race another process.
        let lock = try directory.createAndLock()
        do {
            if fm.fileExists(atPath: directory.checkpoint) && !overwrite {
                throw ACDCError("\(directory.path): already holds a run (checkpoint.h5); "
                    + "continue it with `acdc resume \(directory.path)`, or pass --overwrite to start afresh")
            }
            if fm.fileExists(atPath: directory.result) && !overwrite {
                throw ACDCError("\(directory.path): already holds a result.json; pass --overwrite to replace it")
            }
            // Inputs first: a model that fails to load leaves the directory as it was.
            let identity = try RunIdentity.of(experiment: experiment,
                                              experimentPath: experiment.sourcePath.map(absolute) ?? experiment.name)
            let run = try RunSession.build(experiment: experiment, options: options, evaluator: kind)
            // With --overwrite: the old run goes first, so no crash can pair its
            // checkpoint or result with the new experiment.json.
            for stale in [directory.result, directory.checkpoint] where fm.fileExists(atPath: stale) {
                do { try fm.removeItem(atPath: stale) } catch {
                    throw ACDCError("\(stale): cannot remove the previous run's file (\(error.localizedDescription))")
                }
            }
            let session = CheckpointedRun(run: run, directory: directory, lock: lock, identity: identity, evaluatorKind: kind,
                                          earlierSeconds: 0, sessionStart: sessionStart)
            // Written by the writer thread, before the first checkpoint.
            try session.writer.submitFile(Array(RunIdentity.canonicalExperiment(experiment).utf8), to: directory.experiment)
            session.killAfterSteps = killAfterSteps
            try session.writeCheckpoint()
            session.stopOnSignals()
            return session
        } catch {
            // A directory this call created goes again (with its lock file).
            if !existed {
                _ = unlink((directory.path as NSString).appendingPathComponent(RunLock.fileName))
                _ = rmdir(directory.path)
            }
            throw error
        }
    }

    static let pauseAfterSteps: Int? = ProcessInfo.processInfo.environment["ACDC_DEBUG_PAUSE_AFTER_STEPS"].flatMap { Int($0) }

    var elapsedSeconds: Double { earlierSeconds + Date().timeIntervalSince(sessionStart) }

    /// Hands the run's current state to the background writer, which
    /// atomically replaces `checkpoint.h5` (see `CheckpointWriter`).
    func writeCheckpoint() throws {
        let checkpoint = RunCheckpoint(run: run, identity: identity, elapsedSeconds: elapsedSeconds,
                                       edgeNames: edgeNames, info: ["evaluator": evaluatorKind.rawValue])
        try writer.submit(checkpoint)
        if let limit = killAfterSteps, stepsThisSession >= limit {
            try writer.flush()          // the crash comes after this step's checkpoint is on disk
            kill(getpid(), SIGKILL)
        }
        // Testing aid for signal and lock tests (inherited by a sweep's
        // children): park after N steps, checkpoint on disk, until a signal.
        if let limit = CheckpointedRun.pauseAfterSteps, stepsThisSession >= limit {
            try writer.flush()
            FileHandle.standardError.write(Data("acdc: debug pause after \(stepsThisSession) steps\n".utf8))
            while true { sleep(60) }
        }
    }

    /// Testing aid: `ACDC_TEST_STEP_DELAY=SECONDS` makes every step wait that
    /// long once its checkpoint is on disk, so a test can catch a run of a tiny
    /// model mid-way (cancel it, requeue its Slurm task) by polling its
    /// checkpoint. Unset (always, outside tests): no delay.
    static func testStepDelay() throws -> Double? {
        guard let text = ProcessInfo.processInfo.environment["ACDC_TEST_STEP_DELAY"] else { return nil }
        guard let s = Double(text), s >= 0, s <= 60 else {
            throw ACDCError("ACDC_TEST_STEP_DELAY=\(text): expected seconds from 0 to 60 (a testing aid; unset it)")
        }
        return s
    }

    /// Steps to the end, checkpointing after every step.
    func runToEnd(progress: Progress) throws {
        let total = run.graph.order.count
        let delay = try CheckpointedRun.testStepDelay()
        var traceSeen = run.state.trace.count
        try run.run(onStep: { r in
            if let error = r.nonFiniteMetric(sinceTrace: traceSeen) { throw error }
            traceSeen = r.state.trace.count
            stepsThisSession += 1
            try writeCheckpoint()
            if let delay {
                try writer.flush()
                Thread.sleep(forTimeInterval: delay)
            }
            progress.update(done: r.state.cursor, total: total,
                            message: "edges \(r.edgeCount) metric \(String(format: "%.6g", r.state.currentMetric))")
        })
        progress.finish()
    }

    /// Writes `result.json` for the finished run and returns it; the final
    /// checkpoint is on disk first.
    func writeResult() throws -> RunRecord {
        let record = RunRecord(run: run, experimentPath: identity.experimentPath, modelPath: identity.modelPath,
                               seconds: elapsedSeconds)
        // Encoded while the last checkpoint is still being written; on disk after it.
        try writer.submitFile(Array((record.json().serialized(indent: 1) + "\n").utf8), to: directory.result)
        try writer.close()
        return record
    }
}
