import Foundation
import TestSupport
import XCTest
@testable import ACDC
import Transformer

/// Runs ACDC in-process on a fixture case and writes RUN_DIR/result.json the
/// way `acdc run` does (RunRecord), so exports can be tested on a real run.
@discardableResult
func makeRunDirectory(_ fixtureCase: String, options: ACDCOptions, in dir: String) throws -> (dir: String, run: ACDCRun) {
    let path = fixture(fixtureCase + "/experiment.json")
    let experiment = try Experiment.load(path: path)
    let model = try HookedTransformer.load(directory: experiment.modelPath)
    let setup = try EvaluationSetup(model: model, experiment: experiment, metric: options.metric, zeroAblation: options.zeroAblation)
    let run = try ACDCRun(evaluator: IncrementalEvaluator(setup: setup), options: options)
    try run.run()
    let runDir = dir + "/run"
    try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
    let record = RunRecord(run: run, experimentPath: path, modelPath: experiment.modelPath, seconds: 0.5)
    try AtomicFile.write(record.json().serialized(indent: 1) + "\n", to: runDir + "/result.json")
    return (runDir, run)
}

/// The fixture's tracr-reverse run at τ = 0.001 with zero ablation: exactly
/// the canonical circuit (ACDC.md §7.5), 15 edges plus 9 placeholders.
let reverseZero = ACDCOptions(threshold: 0.001, metric: "l2", zeroAblation: true)
