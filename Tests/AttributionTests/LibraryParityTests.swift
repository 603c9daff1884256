import ACDC
import Attribution
import Foundation
import TestSupport
import Transformer
import XCTest

/// The library's fixture (`Tests/Fixtures/eap/tiny-gpt2`): one file per metric and method.
struct LibraryCase {
    let json: [String: Any]
    init(_ file: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("eap/tiny-gpt2/\(file).json")))
        json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
    var scores: [(String, Float)] {
        (json["scores"] as! [[String: Any]]).map { ($0["edge"] as! String, Float(($0["score"] as! NSNumber).doubleValue)) }
    }
    var selections: [[String: Any]] { json["selections"] as! [[String: Any]] }
    func value(_ path: String...) -> Double {
        var o: Any = json
        for k in path { o = (o as! [String: Any])[k]! }
        return (o as! NSNumber).doubleValue
    }
}

enum TinyGPT2 {
    static let experiment = try! Experiment.load(path: fixture("tiny-gpt2/experiment.json"))
    static let model = try! HookedTransformer.load(directory: experiment.modelPath)
    /// Fixture metric name → experiment metric name.
    static func metric(_ m: String) -> String { m == "kl" ? "kl_div" : m }
}

/// Scores equal to the EAP-IG library's (ATTRIBUTION.md §7): every score
/// within 1e-4 × the largest |score| (EAP with KL, whose gradient vanishes at
/// the clean model, only in absolute terms: 1e-7).
final class LibraryParityTests: XCTestCase {
    func testGraphOrderAndNamesAreTheLibrarys() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("eap/tiny-gpt2/graph.json")))
        let g = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let names = (g["edges"] as! [[String: Any]]).map { $0["name"] as! String }
        let ours = AttributionGraph(config: TinyGPT2.model.config)
        XCTAssertEqual(ours.edges.map(\.name), names)
        XCTAssertEqual(ours.edges.count, 110)
        XCTAssertEqual(ours.nodeNames, (g["nodes"] as! [[String: Any]]).map { $0["name"] as! String })
    }

    func parity(_ method: AttributionMethod, file suffix: String, steps: Int = 0) throws {
        for metric in ["kl", "logit_diff"] {
            let ref = try LibraryCase("\(metric)-\(suffix)")
            let attribution = try EdgeAttribution(model: TinyGPT2.model, experiment: TinyGPT2.experiment, metric: TinyGPT2.metric(metric))
            let ours = try attribution.scores(method: method, igSteps: steps)
            let theirs = ref.scores
            XCTAssertEqual(theirs.map(\.0), attribution.graph.edges.map(\.name))
            let largest = theirs.map { abs($0.1) }.max()!
            let noise = method == .eap && metric == "kl"
            let tol = noise ? 1e-7 : 1e-4 * largest
            var worst: Float = 0
            for (i, (name, s)) in theirs.enumerated() {
                worst = max(worst, abs(ours[i] - s))
                XCTAssertEqual(ours[i], s, accuracy: tol, "\(metric)-\(suffix) \(name)")
            }
            print("score parity \(metric)-\(suffix): max |error| = \(worst), largest |score| = \(largest), ratio = \(worst / largest)")
        }
    }

    func testEAP() throws { try parity(.eap, file: "EAP") }
    func testEAPIGInputs5() throws { try parity(.eapIGInputs, file: "EAP-IG-inputs-5", steps: 5) }
    func testEAPIGInputs30() throws { try parity(.eapIGInputs, file: "EAP-IG-inputs-30", steps: 30) }
    func testEAPIGActivations5() throws { try parity(.eapIGActivations, file: "EAP-IG-activations-5", steps: 5) }
    func testCleanCorrupted() throws { try parity(.cleanCorrupted, file: "clean-corrupted") }
    func testExact() throws { try parity(.exact, file: "exact") }
}
