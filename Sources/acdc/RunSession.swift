import ACDC
import Foundation
import Transformer

/// Builds an `ACDCRun` for an experiment and prepares its run directory.
/// `CheckpointedRun.begin` is the entry point that also writes experiment.json
/// and the per-step checkpoints; `start` alone writes neither.
enum RunSession {
    static func start(experiment: Experiment, options: ACDCOptions, evaluator kind: EvaluatorKind, outDir: String) throws -> ACDCRun {
        try RunDirectory(path: outDir).create()
        return try build(experiment: experiment, options: options, evaluator: kind)
    }

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
