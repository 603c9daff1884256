import ArgumentParser
import ACDC
import Circuits
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a given circuit: its edges present, every other edge ablated.",
        discussion: """
        EDGES is an edge list as `acdc export --format edges` writes it: one \
        child[index]<-parent[index] per line, |TYPE optional, blank lines and # \
        comments ignored (a JSON list of edge strings, or an object with an "edges" \
        list such as a task's ground_truth.json, is read too). All edges not listed \
        are ablated (corrupted activations, or zeros with --zero-ablation), one \
        patched forward pass runs on the clean tokens, and the metric is printed \
        (ACDC.md §3.7). Evaluating a run's exported circuit with the run's options \
        gives the run's final metric.
        """)

    @OptionGroup var source: ExperimentSource

    @Option(help: "Edge list file of the circuit to evaluate.")
    var edges: String

    @OptionGroup var measure: MetricOptions
    var metric: String? { measure.metric }
    var zeroAblation: Bool { measure.zeroAblation }

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    mutating func run() throws {
        let entries = try EdgeList.load(path: edges)
        let exp = try source.load()
        let eval = try CircuitEvaluation(experiment: exp, metric: metric, zeroAblation: zeroAblation)
        let mask = try EdgeList.mask(entries, graph: eval.graph)
        let value = eval.evaluate(mask)
        guard value.isFinite else {
            // The baselines were checked finite when the evaluation was set up.
            throw ACDCError("\(edges): metric '\(eval.setup.metricName)' of this circuit is \(value) "
                + "(the clean and corrupted runs are finite); refusing to report NaN/Inf")
        }
        let kept = eval.graph.countEdges(mask), total = eval.graph.countEdges(eval.setup.fullGraph)
        if json {
            let j: JSONValue = .object([
                ("metric", .string(eval.setup.metricName)), ("value", .number(value)),
                ("edges", .number(Double(kept))), ("edges_total", .number(Double(total))),
                ("zero_ablation", .bool(zeroAblation)), ("edge_file", .string(edges)),
            ])
            print(j.serialized())
        } else {
            print("\(eval.setup.metricName) = \(String(format: "%.9g", value)) with \(kept) of \(total) edges (\(zeroAblation ? "zero" : "corrupted") ablation of the rest)")
        }
    }
}
