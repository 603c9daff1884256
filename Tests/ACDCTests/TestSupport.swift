import Foundation
@testable import ACDC
import Transformer

/// Repository root, found from this file's location (Tests/ACDCTests/…).
let repoRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

func fixture(_ path: String) -> String { repoRoot + "/Tests/Fixtures/" + path }

/// One `expected/<run>.json` of a fixture case.
struct ExpectedRun {
    let name: String
    let options: ACDCOptions
    let presentEdges: [String]          // with |TYPE
    let nonPlaceholderOnly: Bool
    let countNoEdges: Int
    let finalMetric: Double
    let trace: [(edge: String, after: Double, result: Double, removed: Bool)]?

    init(path: String) throws {
        let j = try JSONValue.parse(Array(FileManager.default.contents(atPath: path)!))
        name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let o = j["options"]!
        options = ACDCOptions(threshold: o["threshold"]!.double!, metric: o["metric"]!.string!,
                              zeroAblation: o["zero_ablation"]!.bool!, absValueThreshold: o["abs_value_threshold"]!.bool!,
                              indicesMode: .init(rawValue: o["indices_mode"]!.string!)!,
                              namesMode: .init(rawValue: o["names_mode"]!.string!)!,
                              removeRedundant: o["remove_redundant"]!.bool!)
        if let p = j["present_edges"]?.array {
            presentEdges = p.map { $0.string! }; nonPlaceholderOnly = false
        } else {
            presentEdges = j["present_edges_non_placeholder"]!.array!.map { $0.string! }; nonPlaceholderOnly = true
        }
        countNoEdges = j["count_no_edges"]!.int!
        finalMetric = j["final_metric"]!.double!
        trace = j["evaluation_trace"]?.array?.map {
            (edge: $0["edge"]!.string!, after: $0["metric_after_removal"]!.double!,
             result: $0["result"]!.double!, removed: $0["decision"]!.string! == "remove")
        }
    }

    static func all(in fixtureCase: String) throws -> [ExpectedRun] {
        let dir = fixture(fixtureCase + "/expected")
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted()
            .map { try ExpectedRun(path: dir + "/" + $0) }
    }
}
