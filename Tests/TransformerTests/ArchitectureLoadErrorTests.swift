import Foundation
import XCTest
import TestSupport
@testable import Transformer

/// Bad Hugging Face model directories: one-line errors naming the key, the
/// tensor and the file; never a trap.
final class ArchitectureLoadErrorTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self, prefix: "acdc-arch-errors")
        for f in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: FixturePaths.path("hf-arch", "llama", f), toPath: dir + "/" + f)
        }
    }

    func editConfig(_ change: (inout [String: Any]) -> Void) throws {
        let url = URL(fileURLWithPath: dir + "/config.json")
        var cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        change(&cfg)
        try JSONSerialization.data(withJSONObject: cfg).write(to: url)
    }

    func editWeights(_ change: (inout [(String, [Int], [Float])]) -> Void) throws {
        let path = dir + "/model.safetensors"
        let file = try SafetensorsFile(path: path)
        var tensors = try file.entries.keys.sorted().map { name -> (String, [Int], [Float]) in
            let t = try file.tensor(name)
            return (name, t.shape, t.array)
        }
        change(&tensors)
        try writeSafetensors(tensors, to: path + ".new")
        XCTAssertEqual(rename(path + ".new", path), 0)
    }

    func assertLoadFails(_ needles: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try HookedTransformer.load(directory: dir), file: file, line: line) { error in
            guard let e = error as? ModelError else { return XCTFail("not a ModelError: \(error)", file: file, line: line) }
            XCTAssertFalse(e.message.contains("\n"), "one line: \(e.message)", file: file, line: line)
            for n in needles { XCTAssertTrue(e.message.contains(n), "'\(e.message)' should mention '\(n)'", file: file, line: line) }
        }
    }

    func testTheUnchangedCopyLoads() throws {
        XCTAssertNoThrow(try HookedTransformer.load(directory: dir))
    }

    func testUnsupportedModelType() throws {
        try editConfig { $0["model_type"] = "bert" }
        assertLoadFails([dir + "/config.json", "'model_type'", "bert", "llama"])
    }

    func testUnsupportedOrBadConfigValues() throws {
        let cases: [([String: Any], String)] = [
            (["rope_scaling": ["rope_type": "yarn", "factor": 2.0]], "rope_scaling.rope_type"),
            (["hidden_act": "swish"], "hidden_act"),
            (["num_key_value_heads": 3], "num_key_value_heads"),
            (["hidden_size": "sixty-four"], "hidden_size"),
            (["rms_norm_eps": -1.0], "rms_norm_eps"),
            (["head_dim": 0], "head_dim"),
            (["mlp_bias": true], "mlp_bias"),
            (["hidden_size": 1 << 40], "hidden_size"),            // would overflow the weight shapes
            (["num_attention_heads": 1 << 40, "num_key_value_heads": 1 << 40], "heads"),
        ]
        for (change, key) in cases {
            try editConfig { c in for (k, v) in change { c[k] = v } }
            assertLoadFails([dir + "/config.json", key])
            try FileManager.default.removeItem(atPath: dir + "/config.json")
            try FileManager.default.copyItem(atPath: FixturePaths.path("hf-arch", "llama", "config.json"), toPath: dir + "/config.json")
        }
        try editConfig { $0.removeValue(forKey: "num_hidden_layers") }
        assertLoadFails([dir + "/config.json", "num_hidden_layers"])
    }

    func testGemma2LayerTypesMustBeKnown() throws {
        for f in ["config.json", "model.safetensors"] {
            try FileManager.default.removeItem(atPath: dir + "/" + f)
            try FileManager.default.copyItem(atPath: FixturePaths.path("hf-arch", "gemma2", f), toPath: dir + "/" + f)
        }
        try editConfig { $0["layer_types"] = ["sliding_attention", "chunked_attention", "full_attention"] }
        assertLoadFails([dir + "/config.json", "layer_types", "chunked_attention"])
    }

    func testMissingTensorNamesTensorAndFile() throws {
        try editWeights { $0.removeAll { $0.0 == "model.layers.1.self_attn.k_proj.weight" } }
        assertLoadFails([dir + "/model.safetensors", "model.layers.1.self_attn.k_proj.weight", "missing"])
    }

    func testMisShapedTensorNamesTensorAndFile() throws {
        try editWeights { t in
            let i = t.firstIndex { $0.0 == "model.norm.weight" }!
            t[i] = (t[i].0, [t[i].1[0] - 1], Array(t[i].2.dropLast()))
        }
        assertLoadFails([dir + "/model.safetensors", "model.norm.weight", "shape"])
    }

    func testUnusedTensorsAreNamedButKnownBuffersAllowed() throws {
        try editWeights { $0.append(("model.layers.0.self_attn.rotary_emb.inv_freq", [12], Array(repeating: 1, count: 12))) }
        XCTAssertNoThrow(try HookedTransformer.load(directory: dir), "rotary_emb.inv_freq is a harmless extra")
        try editWeights { $0.append(("model.layers.0.mlp.extra_proj.weight", [4], [1, 2, 3, 4])) }
        assertLoadFails([dir + "/model.safetensors", "model.layers.0.mlp.extra_proj.weight", "not used"])
    }

    func testShardIndexNamingAMissingShard() throws {
        try FileManager.default.removeItem(atPath: dir + "/model.safetensors")
        let index: [String: Any] = ["weight_map": ["model.norm.weight": "model-00001-of-00002.safetensors"]]
        try JSONSerialization.data(withJSONObject: index).write(to: URL(fileURLWithPath: dir + "/model.safetensors.index.json"))
        assertLoadFails([dir + "/model-00001-of-00002.safetensors", "missing"])
    }

    /// bf16 weights are converted to float32 on load: the converted model holds
    /// exactly the float32 size of its tensors (no second copy kept).
    func testBFloat16ModelHoldsItsFloat32Size() throws {
        let m = try HookedTransformer.load(directory: FixturePaths.path("hf-arch", "llama-bf16-tied-sharded"))
        let files = try CheckpointFiles(directory: FixturePaths.path("hf-arch", "llama-bf16-tied-sharded"))
        let elements = files.names.map { files.shape($0)!.reduce(1, *) }.reduce(0, +)
        XCTAssertEqual(files.convertedFloats, 0, "nothing converted before a tensor is asked for")
        _ = try Llama.weights(files, config: m.config,
                              data: try Data(contentsOf: URL(fileURLWithPath: FixturePaths.path("hf-arch", "llama-bf16-tied-sharded", "config.json"))),
                              file: "config.json")
        XCTAssertEqual(files.convertedFloats, elements, "each tensor converted once, into float32 storage of its own size")
    }
}
