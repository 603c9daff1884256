import ArgumentParser
import ACDC
import Attribution
import Circuits
import Foundation
import Transformer

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

        A circuit in the EAP-IG/MIB vocabulary (graph JSON with `cfg` and \
        `edges`, as `acdc select` writes it, or an edge list of names like \
        input->a0.h1<q>) is evaluated as the library's evaluate_graph does: pruned \
        (nodes without an in-circuit input or output lose their edges), absent \
        edges patched to their corrupted value; the full model's and the empty \
        circuit's metric are reported next to it.
        """)

    @OptionGroup var source: ExperimentSource

    func validate() throws { try source.requireOne() }

    @Option(help: "Edge list file of the circuit to evaluate.")
    var edges: String

    @OptionGroup var measure: MetricOptions
    var metric: String? { measure.metric }
    var zeroAblation: Bool { measure.zeroAblation }

    @OptionGroup var output: OutputOptions

    mutating func run() throws {
        if CircuitFiles.isLibraryCircuit(path: edges) { return try runLibraryCircuit() }
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
        if output.json {
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

    /// A circuit in the library's vocabulary: its metric, the full model's and the empty circuit's.
    private func runLibraryCircuit() throws {
        if zeroAblation { throw ACDCError("\(edges): circuits in the EAP-IG vocabulary are evaluated with corrupted patching only (no --zero-ablation)") }
        let exp = try source.load()
        let model: HookedTransformer
        do { model = try HookedTransformer.load(directory: exp.modelPath) } catch let e as ModelError { throw ACDCError(e.message) }
        let ev = try CircuitEvaluator(model: model, experiment: exp, metric: metric)
        let given = try CircuitFiles.load(path: edges, graph: ev.graph)
        // As the library's evaluate_graph: prune, then evaluate.
        let present = ev.prune(given)
        let value = ev.evaluate(present), full = ev.full(), empty = ev.empty()
        let kept = present.filter { $0 }.count, total = ev.graph.edges.count, listed = given.filter { $0 }.count
        if output.json {
            let j: JSONValue = .object([
                ("metric", .string(ev.setup.metricName)), ("value", .number(value)), ("full", .number(full)), ("empty", .number(empty)),
                ("edges", .number(Double(kept))), ("edges_listed", .number(Double(listed))),
                ("edges_total", .number(Double(total))), ("vocabulary", .string("eap-ig")),
                ("edge_file", .string(edges)),
            ])
            print(j.serialized())
        } else {
            func f(_ x: Double) -> String { String(format: "%.9g", x) }
            let pruned = listed == kept ? "" : " (\(listed) listed, pruned as the library does)"
            print("\(ev.setup.metricName) = \(f(value)) with \(kept) of \(total) edges\(pruned) (EAP-IG graph, corrupted patching); full model \(f(full)), empty circuit \(f(empty))")
        }
    }
}
