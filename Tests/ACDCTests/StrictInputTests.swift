import XCTest
import TestSupport
@testable import ACDC
import Transformer

/// Issue 15 §1 and §2: experiment fields and metric specs are read with their
/// types (a malformed value is refused naming it, never replaced by a
/// default), and NaN/Inf in the model stops a run before the search, naming
/// the hook where it first appears.
final class StrictInputTests: XCTestCase {
    /// The tracr-reverse experiment with `change` applied to its top-level object.
    func experiment(_ change: (inout [(String, JSONValue)]) -> Void) throws -> JSONValue {
        let path = fixture("tracr-reverse/experiment.json")
        guard case .object(var kv) = try JSONValue.parse(Array(FileManager.default.contents(atPath: path)!)) else {
            throw ACDCError("fixture is not an object")
        }
        change(&kv)
        return .object(kv)
    }

    func set(_ key: String, _ value: JSONValue) -> (inout [(String, JSONValue)]) -> Void {
        { kv in
            if let i = kv.firstIndex(where: { $0.0 == key }) { kv[i].1 = value } else { kv.append((key, value)) }
        }
    }

    func assertRefused(_ j: JSONValue, mentioning needles: [String], line: UInt = #line) {
        do {
            _ = try Experiment.parse(j, file: "exp.json", baseDirectory: fixture("tracr-reverse"))
            XCTFail("accepted; want an error mentioning \(needles)", line: line)
        } catch let e as ACDCError {
            XCTAssertFalse(e.message.contains("\n"), line: line)
            for n in ["exp.json"] + needles { XCTAssertTrue(e.message.contains(n), "'\(e.message)' should mention '\(n)'", line: line) }
        } catch { XCTFail("\(error)", line: line) }
    }

    func testWrongTypedExperimentFieldsAreRefused() throws {
        assertRefused(try experiment(set("use_pos_embed", .string("yes"))), mentioning: ["use_pos_embed"])
        assertRefused(try experiment(set("use_pos_embed", .number(1))), mentioning: ["use_pos_embed"])
        assertRefused(try experiment(set("use_pos_embed", .null)), mentioning: ["use_pos_embed"])
        assertRefused(try experiment(set("name", .number(3))), mentioning: ["name"])
        assertRefused(try experiment(set("model", .array([]))), mentioning: ["model"])
        assertRefused(try experiment(set("use_pos_embeds", .bool(true))), mentioning: ["use_pos_embeds"])
        // The fixture itself parses, with use_pos_embed as written.
        let ok = try Experiment.parse(try experiment(set("use_pos_embed", .bool(true))), file: "exp.json",
                                      baseDirectory: fixture("tracr-reverse"))
        XCTAssertTrue(ok.usePosEmbed)
    }

    /// `{"kl_div": null}` or `[[1]]` used to become KL over all positions.
    func testMalformedMetricSpecsAreRefused() throws {
        let bodies: [(JSONValue, [String])] = [
            (.null, ["kl_div", "object"]),
            (.array([.array([.number(1)])]), ["kl_div", "object"]),
            (.number(1), ["kl_div", "object"]),
            (.object([("positions", .null)]), ["kl_div", "positions"]),
            (.object([("positions", .number(2))]), ["kl_div", "positions"]),
            (.object([("mask", .string("all"))]), ["kl_div", "mask"]),
            (.object([("position", .number(2))]), ["kl_div", "position"]),        // misspelt key
            (.object([("positions", .array([.number(1)])), ("mask", .array([]))]), ["kl_div", "not both"]),
            (.object([("kind", .number(3))]), ["kl_div", "kind"]),
        ]
        for (body, needles) in bodies {
            assertRefused(try experiment(set("metrics", .object([("kl_div", body)]))), mentioning: needles)
        }
        assertRefused(try experiment(set("metrics", .object([("l2", .object([("positions", .array([.number(1)])),
                                                                              ("dims", .array([.number(1.5)]))]))]))),
                      mentioning: ["l2", "dims"])
        // A well-formed KL spec over all positions is still accepted.
        let all = try Experiment.parse(try experiment(set("metrics", .object([("kl_div", .object([]))]))),
                                       file: "exp.json", baseDirectory: fixture("tracr-reverse"))
        XCTAssertEqual(all.metrics[0].spec, .klDiv(.all))
    }

    // MARK: NaN / Inf (§2)

    /// A copy of tracr-reverse's model with one weight replaced by `value`.
    func poisonedExperiment(tensor: String, value: Float, index: Int = 0) throws -> (Experiment, String) {
        let dir = try temporaryDirectory(self)
        let src = fixture("tracr-reverse/model")
        try FileManager.default.copyItem(atPath: src + "/config.json", toPath: dir + "/config.json")
        let file = try SafetensorsFile(path: src + "/model.safetensors")
        var tensors: [(String, [Int], [Float])] = []
        for name in file.entries.keys.sorted() {
            let t = try file.tensor(name)
            var v = t.array
            if name == tensor { v[index] = value }
            tensors.append((name, t.shape, v))
        }
        XCTAssertTrue(tensors.contains { $0.0 == tensor }, "no tensor \(tensor)")
        try writeSafetensors(tensors, to: dir + "/model.safetensors")
        var exp = try Experiment.load(path: fixture("tracr-reverse/experiment.json"))
        exp.modelPath = dir
        return (exp, dir)
    }

    func assertSetupFails(_ exp: Experiment, mentioning needles: [String], zeroAblation: Bool = false, line: UInt = #line) throws {
        let model = try HookedTransformer.load(directory: exp.modelPath)
        do {
            let setup = try EvaluationSetup(model: model, experiment: exp, metric: nil, zeroAblation: zeroAblation)
            _ = try ACDCRun(evaluator: IncrementalEvaluator(setup: setup), options: ACDCOptions(threshold: 0.01, metric: setup.metricName))
            XCTFail("a NaN/Inf model was accepted", line: line)
        } catch let e as ACDCError {
            XCTAssertFalse(e.message.contains("\n"), line: line)
            for n in needles { XCTAssertTrue(e.message.contains(n), "'\(e.message)' should mention '\(n)'", line: line) }
        }
    }

    func testNaNWeightIsReportedAtItsHook() throws {
        // A NaN in layer 2's MLP input weights first shows in blocks.2.mlp.hook_pre.
        let (exp, _) = try poisonedExperiment(tensor: "blocks.2.mlp.W_in", value: .nan)
        try assertSetupFails(exp, mentioning: ["blocks.2.mlp.hook_pre", "layer 2", "not finite"])
    }

    func testInfEmbeddingIsReportedAtTheEmbedding() throws {
        let (exp, _) = try poisonedExperiment(tensor: "embed.W_E", value: .infinity, index: 0)
        // Token 0 occurs in the clean rows: the embedding hook holds the Inf.
        try assertSetupFails(exp, mentioning: ["hook_embed", "not finite"])
        try assertSetupFails(exp, mentioning: ["hook_embed"], zeroAblation: true)
    }

    func testNaNUnembeddingIsReportedAtTheLogits() throws {
        let (exp, _) = try poisonedExperiment(tensor: "unembed.b_U", value: .nan)
        try assertSetupFails(exp, mentioning: ["logits", "unembed"])
    }
}
