import ACDC
import Foundation
import Transformer

/// Builds an `ACDCRun` for an experiment: model, evaluator, fresh or resumed
/// state. `CheckpointedRun.begin` wraps it with the run directory
/// (experiment.json and the per-step checkpoints).
enum RunSession {
    /// Loads the model and sets up the evaluator; with `state`, continues that run.
    static func build(experiment: Experiment, options: ACDCOptions, evaluator kind: EvaluatorKind,
                      resumeFrom state: ACDCState? = nil) throws -> ACDCRun {
        let model: HookedTransformer
        do { model = try HookedTransformer.load(directory: experiment.modelPath) } catch let e as ModelError { throw ACDCError(e.message) }
        let setup = try EvaluationSetup(model: model, experiment: experiment, metric: options.metric, zeroAblation: options.zeroAblation)
        let evaluator: GraphEvaluator = kind == .fast ? IncrementalEvaluator(setup: setup) : ReferenceEvaluator(setup: setup)
        return try ACDCRun(evaluator: evaluator, options: options, resumeFrom: state)
    }
}
