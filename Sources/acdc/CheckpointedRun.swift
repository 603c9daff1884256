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

    init(run: ACDCRun, directory: RunDirectory, identity: RunIdentity, evaluatorKind: EvaluatorKind,
         earlierSeconds: Double, sessionStart: Date) {
        self.run = run; self.directory = directory; self.identity = identity
        self.evaluatorKind = evaluatorKind; self.earlierSeconds = earlierSeconds; self.sessionStart = sessionStart
        self.edgeNames = RunCheckpoint.edgeNames(of: run.graph)
    }

    var elapsedSeconds: Double { earlierSeconds + Date().timeIntervalSince(sessionStart) }

    /// Atomically replaces `checkpoint.h5` with the run's current state.
    func writeCheckpoint() throws {
        let checkpoint = RunCheckpoint(run: run, identity: identity, elapsedSeconds: elapsedSeconds,
                                       edgeNames: edgeNames, info: ["evaluator": evaluatorKind.rawValue])
        try CheckpointStore.write(checkpoint, to: directory.checkpoint)
        if let limit = killAfterSteps, stepsThisSession >= limit { kill(getpid(), SIGKILL) }
    }

    /// Steps to the end, checkpointing after every step.
    func runToEnd(progress: Progress) throws {
        let total = run.graph.order.count
        try run.run(onStep: { r in
            stepsThisSession += 1
            try writeCheckpoint()
            progress.update(done: r.state.cursor, total: total,
                            message: "edges \(r.edgeCount) metric \(String(format: "%.6g", r.state.currentMetric))")
        })
        progress.finish()
    }

    /// Writes `result.json` for the finished run and returns it.
    func writeResult() throws -> RunRecord {
        let record = RunRecord(run: run, experimentPath: identity.experimentPath, modelPath: identity.modelPath,
                               seconds: elapsedSeconds)
        try AtomicFile.write(record.json().serialized(indent: 1) + "\n", to: directory.result)
        return record
    }
}
