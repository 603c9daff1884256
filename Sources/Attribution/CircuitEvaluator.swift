import ACDC
import Transformer

/// The library's `evaluate_graph` / `evaluate_baseline`: a circuit's metric
/// (absent edges patched to their corrupted value, §4 of the attribution
/// rules), computed by ACDC's evaluator on the converted mask: the same
/// patching rule written from the other side.
public final class CircuitEvaluator {
    public let setup: EvaluationSetup
    public let conversion: GraphConversion
    private let evaluator: GraphEvaluator

    /// `incremental`: the incremental evaluator (many related circuits, e.g.
    /// a faithfulness sweep); otherwise one literal patched forward per circuit.
    public init(model: HookedTransformer, experiment: Experiment, metric: String?, incremental: Bool = false) throws {
        setup = try EvaluationSetup(model: model, experiment: experiment, metric: metric, zeroAblation: false)
        conversion = GraphConversion(attribution: AttributionGraph(config: model.config), acdc: setup.graph)
        evaluator = incremental ? IncrementalEvaluator(setup: setup) : ReferenceEvaluator(setup: setup)
    }

    public var graph: AttributionGraph { conversion.attribution }

    /// The library's pruning (`evaluate_graph` prunes before it evaluates):
    /// nodes without an in-circuit input or output lose their edges.
    public func prune(_ present: [Bool]) -> [Bool] {
        // Scores play no part in pruning.
        (try? Selection(graph: graph, scores: [Float](repeating: 0, count: graph.edges.count)))?.prune(present) ?? present
    }

    /// The metric of the circuit whose library edges are `present` (as given: prune first for `evaluate_graph`).
    public func evaluate(_ present: [Bool]) -> Double { evaluator.evaluate(conversion.acdcMask(present: present)) }
    /// The full model (clean run) and the empty circuit (corrupted run).
    public func full() -> Double { evaluate([Bool](repeating: true, count: graph.edges.count)) }
    public func empty() -> Double { evaluate([Bool](repeating: false, count: graph.edges.count)) }
}
