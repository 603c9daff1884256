import ArgumentParser
import ACDC
import Checkpoint
import Foundation
import Transformer

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run ACDC on an experiment and write the run directory.",
        discussion: """
        The experiment is an acdc-experiment/1 JSON file (model directory, clean and \
        corrupted tokens, metrics). RUN_DIR receives experiment.json (the exact experiment, \
        model path made absolute), checkpoint.h5 (rewritten atomically after every step; \
        `acdc resume RUN_DIR` continues from it) and, at the end, result.json (circuit, \
        trace, options), which `acdc export` and `acdc show` read.
        """)

    @OptionGroup var source: ExperimentSource

    func validate() throws { try source.requireOne() }

    @OptionGroup var search: SearchOptions

    @Option(help: "Run directory to create (default: runs/<experiment>-<threshold>, or -2, -3, ... when taken).")
    var out: String?

    @Flag(help: "Start afresh even if the run directory already holds a checkpoint.")
    var overwrite = false

    @Option(help: ArgumentHelp("Metric evaluator: fast (incremental) or reference (literal, slow).", visibility: .hidden))
    var evaluator: EvaluatorKind = .fast

    @Option(help: ArgumentHelp("Testing aid: SIGKILL this process after N steps (0: after the first checkpoint).",
                               visibility: .private))
    var debugKillAfterSteps: Int?

    @OptionGroup var output: OutputOptions

    mutating func run() throws {
        let start = Date()
        StopSignals.watchParentIfSweepChild()
        let exp = try source.load()
        let options = search.options(defaultMetric: exp.metrics[0].name)
        let directory = try out.map { RunDirectory(path: $0) } ?? RunDirectory.fresh(base: "runs/\(exp.name)-\(options.threshold)")
        let progress = Progress(quiet: output.quiet || output.json)

        let session = try CheckpointedRun.begin(experiment: exp, options: options, evaluator: evaluator,
                                                directory: directory, overwrite: overwrite, sessionStart: start,
                                                killAfterSteps: debugKillAfterSteps)
        progress.note("acdc: \(exp.name): \(session.run.edgeCount) edges, metric \(options.metric), threshold \(options.threshold)")
        try session.runToEnd(progress: progress)
        let record = try session.writeResult()
        let report = try CircuitReport(source: source, record: record)     // --task runs: vs the canonical circuit
        printSummary(RunSummary(record), outDir: directory.path, json: output.json, extra: report?.jsonFields ?? [])
        if let report, !output.json { print(report.text) }
    }
}

enum EvaluatorKind: String, ExpressibleByArgument { case fast, reference }

func absolute(_ path: String) -> String { RunIdentity.absolutePath(path) }

func printSummary(_ r: RunRecord, outDir: String, json: Bool) {
    printSummary(RunSummary(r), outDir: outDir, json: json)
}

func printSummary(_ r: RunSummary, outDir: String, json: Bool, extra: [(String, JSONValue)] = []) {
    if json {
        var j = r.json(runDir: outDir)
        if case .object(let kv) = j { j = .object(kv + extra) }
        print(j.serialized())
    } else {
        print("kept \(r.edgesKept) of \(r.edgesTotal) edges, final metric \(String(format: "%.6g", r.finalMetric)), "
              + "\(r.evaluations) evaluations, \(String(format: "%.2f", r.seconds)) s -> \(outDir)")
    }
}
