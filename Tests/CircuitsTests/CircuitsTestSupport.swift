import Foundation
import XCTest
@testable import ACDC
import Transformer

/// Repository root, found from this file's location (Tests/CircuitsTests/…).
let repoRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

func fixture(_ path: String) -> String { repoRoot + "/Tests/Fixtures/" + path }

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("circuits-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

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

/// The reference fixture's expected results (the subset these tests read).
struct ExpectedRun {
    let name: String
    let options: ACDCOptions
    let presentEdges: [String]
    let finalMetric: Double
    let countNoEdges: Int

    static func all(in fixtureCase: String) throws -> [ExpectedRun] {
        let dir = fixture(fixtureCase + "/expected")
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted().map { f in
            let j = try JSONValue.parse(Array(FileManager.default.contents(atPath: dir + "/" + f)!))
            let o = j["options"]!
            let options = ACDCOptions(threshold: o["threshold"]!.double!, metric: o["metric"]!.string!,
                                      zeroAblation: o["zero_ablation"]!.bool!, absValueThreshold: o["abs_value_threshold"]!.bool!,
                                      indicesMode: .init(rawValue: o["indices_mode"]!.string!)!,
                                      namesMode: .init(rawValue: o["names_mode"]!.string!)!,
                                      removeRedundant: o["remove_redundant"]!.bool!)
            let edges = (j["present_edges"] ?? j["present_edges_non_placeholder"])!.array!.map { $0.string! }
            return ExpectedRun(name: f, options: options, presentEdges: edges, finalMetric: j["final_metric"]!.double!,
                               countNoEdges: j["count_no_edges"]!.int!)
        }
    }
}
