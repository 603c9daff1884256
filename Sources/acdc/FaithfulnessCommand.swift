import ACDC
import ArgumentParser
import Attribution
import Circuits
import Foundation
import Tasks
import Transformer

struct FaithfulnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faithfulness",
        abstract: "MIB's faithfulness curve of attribution scores: CPR and CMD.",
        discussion: """
        For 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50 and 100 % of the edges: the circuit of \
        the top n = floor(fraction x edges) edges (or --greedy), pruned, is \
        evaluated; f = (m(C) - m(empty)) / (m(full) - m(empty)). CPR is the \
        trapezoid area under f, CMD the area under |1 - f|, over the fraction axis \
        (as MIB computes them). Writes DIR/faithfulness[-greedy].csv, .md and .svg. \
        The experiment is the one the scores were computed on, unless \
        --experiment/--task names it (it must be the same).
        """)

    @Argument(help: "Directory of `acdc attribute` (or its scores.json).")
    var scores: String

    @Flag(help: "Greedy selection instead of top-n.")
    var greedy = false

    @OptionGroup var source: ExperimentSource

    @OptionGroup var output: OutputOptions

    mutating func run() throws {
        let file = try ScoresFile.load(path: scores)
        var exp: Experiment
        if source.experiment != nil || source.task != nil {
            exp = try source.load()
        } else if file.experimentSource.hasPrefix("task:") {
            let name = String(file.experimentSource.dropFirst(5))
            exp = try TaskCatalog.named(name).experiment(TaskContext(tasksDirectory: try TaskDataLocator().locate(),
                                                                      modelDirectory: file.modelPath))
        } else {
            exp = try Experiment.load(path: file.experimentSource)
            exp.modelPath = file.modelPath
        }
        let model: HookedTransformer
        do { model = try HookedTransformer.load(directory: source.model ?? exp.modelPath) } catch let e as ModelError { throw ACDCError(e.message) }
        try file.check(matches: exp, config: model.config)
        let evaluator = try CircuitEvaluator(model: model, experiment: exp, metric: file.metric, incremental: true)
        let sel = try Selection(graph: file.graph, scores: file.scores)
        let progress = Progress(quiet: output.quiet)
        let curve = FaithfulnessCurve.measure(evaluator: evaluator, selection: sel, greedy: greedy, metricName: file.metric) {
            progress.note($0)
        }
        let dir = (file.path.map { ($0 as NSString).deletingLastPathComponent }) ?? "."
        let base = (dir as NSString).appendingPathComponent(greedy ? "faithfulness-greedy" : "faithfulness")
        try AtomicFile.write(curve.csv(), to: base + ".csv")
        try AtomicFile.write(curve.markdown(), to: base + ".md")
        let title = "\(file.method.rawValue) (\(file.metric)), \(greedy ? "greedy" : "top-n"): CPR \(String(format: "%.3f", curve.cpr)), CMD \(String(format: "%.3f", curve.cmd))"
        try AtomicFile.write(FaithfulnessPlot.svg(fractions: curve.points.map(\.fraction), faithfulness: curve.points.map(\.faithfulness),
                                                  title: title), to: base + ".svg")
        if output.json {
            let j: JSONValue = .object([
                ("method", .string(file.method.rawValue)), ("metric", .string(file.metric)), ("greedy", .bool(greedy)),
                ("cpr", .number(curve.cpr)), ("cmd", .number(curve.cmd)), ("full", .number(curve.full)), ("empty", .number(curve.empty)),
                ("points", .array(curve.points.map { p in .object([
                    ("fraction", .number(p.fraction)), ("edges_requested", .number(Double(p.requested))),
                    ("edges", .number(Double(p.edges))), ("metric", .number(p.metric)), ("faithfulness", .number(p.faithfulness)),
                ]) })),
                ("csv", .string(base + ".csv")), ("markdown", .string(base + ".md")), ("svg", .string(base + ".svg")),
            ])
            print(j.serialized())
        } else {
            print(curve.markdown(), terminator: "")
            print("-> \(base).csv, \(base).md, \(base).svg")
        }
    }
}
