import XCTest
import TestSupport
@testable import ACDC
import Transformer

/// Issue 3: tracr with zero ablation at thresholds ≤ 1e-2 recovers the
/// canonical circuit of ground_truth.json exactly (non-placeholder edges).
final class CanonicalCircuitTests: XCTestCase {
    func check(_ task: String) throws {
        let experiment = try Experiment.load(path: fixture("\(task)/experiment.json"))
        let model = try HookedTransformer.load(directory: experiment.modelPath)
        let truth = try JSONValue.parse(Array(try XCTUnwrap(FileManager.default.contents(atPath: fixture("\(task)/ground_truth.json")))))
        let canonical = Set(try XCTUnwrap(truth["edges"]?.array).compactMap(\.string))
        XCTAssertFalse(canonical.isEmpty)
        let setup = try EvaluationSetup(model: model, experiment: experiment, metric: "l2", zeroAblation: true)
        for threshold in [1e-5, 1e-4, 1e-3, 1e-2] {
            let run = try ACDCRun(evaluator: IncrementalEvaluator(setup: setup),
                                  options: ACDCOptions(threshold: threshold, metric: "l2", zeroAblation: true))
            try run.run()
            let found = Set(run.graph.presentEdgeStrings(run.state.present, includePlaceholders: false)
                .map { String($0.split(separator: "|")[0]) })
            XCTAssertEqual(found, canonical, "\(task) at threshold \(threshold): found \(found.subtracting(canonical)) extra, \(canonical.subtracting(found)) missing")
        }
    }

    func testTracrReverse() throws { try check("tracr-reverse") }
    func testTracrProportion() throws { try check("tracr-proportion") }
}
