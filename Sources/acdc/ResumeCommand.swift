import ArgumentParser
import ACDC
import Checkpoint
import Circuits
import Foundation

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue an interrupted run from its last checkpoint.",
        discussion: """
        Reads RUN_DIR/checkpoint.h5 and RUN_DIR/experiment.json and continues the run \
        where it stopped; the circuit, trace and result.json are identical to those of an \
        uninterrupted run. The run keeps its stored options: search options given here \
        are only checked against them, and a difference is refused. Resuming is also \
        refused when the experiment or the model (config or weights) changed since the \
        checkpoint was written. A finished run just prints its summary.
        """)

    @Argument(help: "Run directory written by `acdc run`.")
    var runDir: String

    @OptionGroup var expected: ExpectedOptions

    @Option(help: ArgumentHelp("Testing aid: SIGKILL this process after N steps.", visibility: .private))
    var debugKillAfterSteps: Int?

    @OptionGroup var output: OutputOptions

    mutating func run() throws {
        let start = Date()
        StopSignals.watchParentIfSweepChild()
        let directory = RunDirectory(path: runDir)
        guard FileManager.default.fileExists(atPath: directory.checkpoint) else {
            throw ACDCError("\(directory.checkpoint): no checkpoint to resume from (is \(runDir) a run directory?)")
        }
        let lock = try RunLock.acquire(directory.path)      // one writer per run directory
        let checkpoint = try CheckpointStore.read(from: directory.checkpoint)
        try expected.check(against: checkpoint.options, checkpointPath: directory.checkpoint)

        if checkpoint.finished, FileManager.default.fileExists(atPath: directory.result),
           let result = try? RunResult.load(runDir: directory.path) {
            let summary = RunSummary(result)
            Progress(quiet: output.quiet || output.json).note("acdc: \(runDir): run already finished")
            printSummary(summary, outDir: runDir, json: output.json)
            return
        }

        let experiment = try Experiment.load(path: directory.experiment)
        let experimentHash = RunIdentity.experimentFingerprint(experiment)
        guard experimentHash == checkpoint.experimentHash else {
            throw ACDCError("\(directory.experiment): experiment changed since the checkpoint was written "
                + "(fingerprint \(experimentHash), checkpoint has \(checkpoint.experimentHash)); refusing to resume")
        }
        let modelPath = absolute(experiment.modelPath)
        let modelHash = try RunIdentity.modelFingerprint(directory: modelPath)
        guard modelHash == checkpoint.modelHash else {
            throw ACDCError("\(modelPath): model (config.json or weights) changed since the checkpoint was written "
                + "(fingerprint \(modelHash), checkpoint has \(checkpoint.modelHash)); refusing to resume")
        }
        let evaluator = EvaluatorKind(rawValue: checkpoint.info["evaluator"] ?? "fast") ?? .fast

        let progress = Progress(quiet: output.quiet || output.json)
        let runner = try RunSession.build(experiment: experiment, options: checkpoint.options, evaluator: evaluator,
                                          resumeFrom: checkpoint.state)
        guard RunCheckpoint.edgeNames(of: runner.graph) == checkpoint.edgeNames else {
            throw ACDCError("\(directory.checkpoint): its edges do not match the graph of \(modelPath); refusing to resume")
        }
        let session = CheckpointedRun(run: runner, directory: directory, lock: lock, identity: checkpoint.identity,
                                      evaluatorKind: evaluator, earlierSeconds: checkpoint.elapsedSeconds, sessionStart: start)
        session.killAfterSteps = debugKillAfterSteps
        session.stopOnSignals()
        progress.note("acdc: \(experiment.name): resuming at node \(checkpoint.state.cursor) of \(checkpoint.nodeCount), "
            + "\(runner.edgeCount) edges, metric \(checkpoint.options.metric), threshold \(checkpoint.options.threshold)")
        try session.runToEnd(progress: progress)
        let record = try session.writeResult()
        printSummary(RunSummary(record), outDir: runDir, json: output.json)
    }
}

/// Search options a resume may repeat: each one given must equal the stored
/// value, so a script cannot believe it resumed with settings it did not get.
struct ExpectedOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Expected threshold (must match the checkpoint).")
    var threshold: Double?

    @Option(help: "Expected metric (must match the checkpoint).")
    var metric: String?

    @Flag(inversion: .prefixedNo, help: "Expected zero ablation setting (must match the checkpoint).")
    var zeroAblation: Bool?

    @Flag(inversion: .prefixedNo, help: "Expected abs-value-threshold setting (must match the checkpoint).")
    var absValueThreshold: Bool?

    @Option(help: "Expected indices mode (must match the checkpoint).")
    var indicesMode: ACDCOptions.IterationMode?

    @Option(help: "Expected names mode (must match the checkpoint).")
    var namesMode: ACDCOptions.IterationMode?

    @Flag(inversion: .prefixedNo, help: "Expected remove-redundant setting (must match the checkpoint).")
    var removeRedundant: Bool?

    var expected: ACDCOptions.Expected {
        ACDCOptions.Expected(threshold: threshold, metric: metric, zeroAblation: zeroAblation, absValueThreshold: absValueThreshold,
                             indicesMode: indicesMode, namesMode: namesMode, removeRedundant: removeRedundant)
    }

    func check(against stored: ACDCOptions, checkpointPath: String) throws {
        guard let d = expected.differences(stored).first else { return }
        func text(_ v: ACDCOptions.Value) -> String {
            if case .flag(let b) = v { return b ? d.field.flag : "--no-" + d.field.flag.dropFirst(2) }
            return v.text
        }
        throw ACDCError("\(checkpointPath): option \(d.field.flag) \(text(d.expected)) differs from the run's stored \(text(d.stored)); "
            + "a run cannot change options when resumed (start a new run instead)")
    }
}
