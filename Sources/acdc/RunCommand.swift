import ArgumentParser
import ACDC
import Foundation
import Transformer

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run ACDC on an experiment and write the run directory.",
        discussion: """
        The experiment is an acdc-experiment/1 JSON file (model directory, clean and \
        corrupted tokens, metrics). RUN_DIR receives result.json (circuit, trace, options) \
        and is what `acdc export` and `acdc show` read.
        """)

    @OptionGroup var source: ExperimentSource

    @OptionGroup var search: SearchOptions

    @Option(help: "Run directory to create (default: runs/<experiment>-<threshold>).")
    var out: String?

    @Option(help: ArgumentHelp("Metric evaluator: fast (incremental) or reference (literal, slow).", visibility: .hidden))
    var evaluator: EvaluatorKind = .fast

    @OptionGroup var output: OutputOptions

    mutating func run() throws {
        let start = Date()
        let exp = try source.load()
        let options = search.options(defaultMetric: exp.metrics[0].name)
        let outDir = out ?? "runs/\(exp.name)-\(options.threshold)"
        let progress = Progress(quiet: output.quiet || output.json)

        let runner = try RunSession.start(experiment: exp, options: options, evaluator: evaluator, outDir: outDir)
        progress.note("acdc: \(exp.name): \(runner.graph.countEdges(runner.state.present)) edges, metric \(options.metric), threshold \(options.threshold)")
        let total = runner.graph.order.count
        try runner.run(onStep: { r in
            progress.update(done: r.state.cursor, total: total,
                            message: "edges \(r.edgeCount) metric \(String(format: "%.6g", r.state.currentMetric))")
        })
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        let record = RunRecord(run: runner, experimentPath: absolute(exp.sourcePath ?? exp.name), modelPath: absolute(exp.modelPath), seconds: seconds)
        try AtomicFile.write(record.json().serialized(indent: 1) + "\n", to: outDir + "/result.json")
        let report = try CircuitReport(source: source, record: record)     // --task runs: vs the canonical circuit
        printSummary(record, outDir: outDir, json: output.json, extra: report?.jsonFields ?? [])
        if let report, !output.json { print(report.text) }
    }
}

enum EvaluatorKind: String, ExpressibleByArgument { case fast, reference }

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}

func printSummary(_ r: RunRecord, outDir: String, json: Bool, extra: [(String, JSONValue)] = []) {
    if json {
        let j: JSONValue = .object([
            ("run_dir", .string(outDir)), ("edges_kept", .number(Double(r.edgesKept))),
            ("edges_total", .number(Double(r.edgesTotal))), ("final_metric", .number(r.finalMetric)),
            ("evaluations", .number(Double(r.evaluations))), ("seconds", .number(r.seconds)),
            ("finished", .bool(r.finished)),
        ] + extra)
        print(j.serialized())
    } else {
        print("kept \(r.edgesKept) of \(r.edgesTotal) edges, final metric \(String(format: "%.6g", r.finalMetric)), "
              + "\(r.evaluations) evaluations, \(String(format: "%.2f", r.seconds)) s -> \(outDir)")
    }
}
