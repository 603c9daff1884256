import ACDC
import Transformer

/// Scores a fixed circuit (ACDC.md §3.7): the listed edges present, every
/// other edge ablated (corrupted or zero), one patched forward pass on the
/// clean tokens, the metric against the clean model.
public final class CircuitEvaluation {
    public let setup: EvaluationSetup
    private let evaluator: ReferenceEvaluator

    public init(experiment: Experiment, metric: String?, zeroAblation: Bool) throws {
        let model: HookedTransformer
        do { model = try HookedTransformer.load(directory: experiment.modelPath) } catch let e as ModelError { throw ACDCError(e.message) }
        setup = try EvaluationSetup(model: model, experiment: experiment, metric: metric, zeroAblation: zeroAblation)
        // One pass per circuit: the literal evaluator (the oracle) costs no more than the incremental one.
        evaluator = ReferenceEvaluator(setup: setup)
    }

    public var graph: ComputationalGraph { setup.graph }

    public func evaluate(_ present: [Bool]) -> Double { evaluator.evaluate(present) }

    public func evaluate(_ entries: [EdgeListEntry]) throws -> Double {
        evaluate(try EdgeList.mask(entries, graph: setup.graph))
    }
}
