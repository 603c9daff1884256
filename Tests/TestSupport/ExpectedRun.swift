import ACDC
import Foundation

/// One `expected/<run>.json` of a fixture case.
public struct ExpectedRun {
    public let name: String
    public let options: ACDCOptions
    public let presentEdges: [String]          // with |TYPE
    public let nonPlaceholderOnly: Bool
    public let countNoEdges: Int
    public let finalMetric: Double
    public let trace: [(edge: String, after: Double, result: Double, removed: Bool)]?

    public init(path: String) throws {
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

    public static func all(in fixtureCase: String) throws -> [ExpectedRun] {
        let dir = fixture(fixtureCase + "/expected")
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted()
            .map { try ExpectedRun(path: dir + "/" + $0) }
    }
}
