import ACDC
import Foundation
import Transformer

/// Builds an `ACDCRun` for an experiment and prepares its run directory.
enum RunSession {
    static func start(experiment: Experiment, options: ACDCOptions, evaluator kind: EvaluatorKind, outDir: String) throws -> ACDCRun {
        do {
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        } catch {
            throw ACDCError("\(outDir): cannot create run directory (\(error.localizedDescription))")
        }
        let model: HookedTransformer
        do { model = try HookedTransformer.load(directory: experiment.modelPath) } catch let e as ModelError { throw ACDCError(e.message) }
        let setup = try EvaluationSetup(model: model, experiment: experiment, metric: options.metric, zeroAblation: options.zeroAblation)
        let evaluator: GraphEvaluator = kind == .fast ? IncrementalEvaluator(setup: setup) : ReferenceEvaluator(setup: setup)
        return try ACDCRun(evaluator: evaluator, options: options)
    }
}
