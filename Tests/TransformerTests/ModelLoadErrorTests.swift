import XCTest
import Foundation
import Transformer
import TestSupport

/// Every malformed model directory, weights file or token batch must give a
/// thrown `ModelError` with a one-line message naming the file (or input) and
/// the offending tensor or field — never a crash or a trap.
final class ModelLoadErrorTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("acdc-load-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: a small valid model to break

    let config: [String: Any] = [
        "n_layers": 1, "d_model": 4, "n_heads": 2, "d_head": 2, "d_mlp": 8, "d_vocab": 5,
        "n_ctx": 3, "act_fn": "gelu_new", "normalization_type": "LN", "attn_only": false,
        "positional_embedding_type": "standard", "attention_dir": "causal", "eps": 1e-5,
    ]

    /// TL names and shapes of the model described by `config`.
    var tensorShapes: [(String, [Int])] {
        let d = 4, H = 2, dh = 2, m = 8, v = 5, n = 3
        var out: [(String, [Int])] = [("embed.W_E", [v, d]), ("pos_embed.W_pos", [n, d])]
        out += [("blocks.0.ln1.w", [d]), ("blocks.0.ln1.b", [d])]
        for x in ["Q", "K", "V"] { out += [("blocks.0.attn.W_\(x)", [H, d, dh]), ("blocks.0.attn.b_\(x)", [H, dh])] }
        out += [("blocks.0.attn.W_O", [H, dh, d]), ("blocks.0.attn.b_O", [d])]
        out += [("blocks.0.ln2.w", [d]), ("blocks.0.ln2.b", [d])]
        out += [("blocks.0.mlp.W_in", [d, m]), ("blocks.0.mlp.b_in", [m]),
                ("blocks.0.mlp.W_out", [m, d]), ("blocks.0.mlp.b_out", [d])]
        out += [("ln_final.w", [d]), ("ln_final.b", [d]), ("unembed.W_U", [d, v]), ("unembed.b_U", [v])]
        return out
    }

    var configPath: String { (dir as NSString).appendingPathComponent("config.json") }
    var weightsPath: String { (dir as NSString).appendingPathComponent("model.safetensors") }

    func writeConfig(_ changes: [String: Any] = [:]) throws {
        let merged = config.merging(changes) { _, new in new }
        try JSONSerialization.data(withJSONObject: merged).write(to: URL(fileURLWithPath: configPath))
    }

    func writeWeights(skipping: String? = nil, reshape: [String: [Int]] = [:]) throws {
        let tensors = tensorShapes.compactMap { name, shape -> (String, [Int], [Float])? in
            if name == skipping { return nil }
            let s = reshape[name] ?? shape
            return (name, s, (0..<s.reduce(1, *)).map { Float($0 % 7) * 0.1 })
        }
        try writeSafetensors(tensors, to: weightsPath)
    }

    func writeValidModel() throws { try writeConfig(); try writeWeights() }

    /// A safetensors file from an arbitrary header object and data bytes.
    func writeRaw(header: Any, data: Data, headerLength: UInt64? = nil) throws {
        var json = try JSONSerialization.data(withJSONObject: header)
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        var len = (headerLength ?? UInt64(json.count)).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(data)
        try out.write(to: URL(fileURLWithPath: weightsPath))
    }

    /// The header and data section of the current weights file.
    func readWeights() throws -> (header: [String: Any], data: Data) {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: weightsPath))
        let n = Int(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + n))) as! [String: Any]
        return (header, bytes.subdata(in: (8 + n)..<bytes.count))
    }

    /// Loads `dir` and checks the thrown error: a `ModelError`, one line,
    /// mentioning every string in `mentions`.
    func assertLoadFails(_ mentions: [String], directory: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        assertThrowsModelError(mentions, file: file, line: line) { _ = try HookedTransformer.load(directory: directory ?? self.dir) }
    }

    func assertThrowsModelError(_ mentions: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected a ModelError mentioning \(mentions)", file: file, line: line)
        } catch let e as ModelError {
            XCTAssertFalse(e.message.contains("\n"), "one line: \(e.message)", file: file, line: line)
            for m in mentions {
                XCTAssertTrue(e.message.contains(m), "'\(e.message)' should mention '\(m)'", file: file, line: line)
            }
        } catch {
            XCTFail("expected ModelError, got \(type(of: error)): \(error)", file: file, line: line)
        }
    }

    // MARK: directory and files

    func testValidModelLoads() throws {
        try writeValidModel()
        let m = try HookedTransformer.load(directory: dir)
        XCTAssertEqual(m.config.dModel, 4)
        XCTAssertEqual(m.logits(try TokenBatch([[1, 2, 3]], origin: "t")).count, 3 * 5)
    }

    func testMissingDirectory() {
        let missing = (dir as NSString).appendingPathComponent("no-such-model")
        assertLoadFails([missing, "not found"], directory: missing)
    }

    func testDirectoryIsAFile() throws {
        try writeValidModel()
        assertLoadFails([configPath], directory: configPath)
    }

    func testMissingConfig() throws {
        try writeWeights()
        assertLoadFails([configPath])
    }

    func testMissingWeights() throws {
        try writeConfig()
        assertLoadFails([weightsPath])
    }

    func testWeightsPathIsADirectory() throws {
        try writeConfig()
        try FileManager.default.createDirectory(atPath: weightsPath, withIntermediateDirectories: false)
        assertLoadFails([weightsPath])
    }

    // MARK: tensors

    func testMissingTensor() throws {
        try writeConfig()
        try writeWeights(skipping: "blocks.0.attn.W_K")
        assertLoadFails([weightsPath, "blocks.0.attn.W_K", "missing"])
    }

    func testWrongShape() throws {
        try writeConfig()
        try writeWeights(reshape: ["blocks.0.mlp.W_in": [8, 4]])
        assertLoadFails([weightsPath, "blocks.0.mlp.W_in", "[8, 4]", "[4, 8]"])
    }

    func testWrongDtypeF64AndI32() throws {
        try writeConfig()
        for (dtype, size) in [("F64", 8), ("I32", 4), ("I16", 2)] {  // F16 and BF16 are converted (ArchitectureParityTests)
            try writeWeights()
            var (header, data) = try readWeights()
            // Re-type unembed.b_U [5], the last tensor: replace its F32 bytes by
            // bytes of the new dtype (the offsets still tile the data exactly).
            data.removeLast(5 * 4)
            var entry = header["unembed.b_U"] as! [String: Any]
            entry["dtype"] = dtype
            entry["data_offsets"] = [data.count, data.count + 5 * size]
            header["unembed.b_U"] = entry
            data.append(Data(repeating: 0, count: 5 * size))
            try writeRaw(header: header, data: data)
            assertLoadFails([weightsPath, "unembed.b_U", dtype])
        }
    }

    func testTruncatedFile() throws {
        try writeValidModel()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: weightsPath))
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: weightsPath))
        assertLoadFails([weightsPath, "unembed.b_U"]) // the last tensor in the data section
    }

    func testFileShorterThanHeaderLength() throws {
        try writeConfig()
        for bytes in [Data(), Data([1, 2, 3])] {
            try bytes.write(to: URL(fileURLWithPath: weightsPath))
            assertLoadFails([weightsPath, "truncated"])
        }
    }

    func testHeaderLyingAboutOffsets() throws {
        try writeValidModel()
        var (header, data) = try readWeights()
        var entry = header["blocks.0.ln1.w"] as! [String: Any]
        let offs = entry["data_offsets"] as! [Int]
        entry["data_offsets"] = [offs[0] + data.count, offs[1] + data.count] // right size, beyond the end
        header["blocks.0.ln1.w"] = entry
        try writeRaw(header: header, data: data)
        assertLoadFails([weightsPath, "blocks.0.ln1.w", "offsets"])

        // Offsets inside the file but not matching the shape's byte count.
        try writeValidModel()
        (header, data) = try readWeights()
        entry = header["blocks.0.ln1.b"] as! [String: Any]
        entry["data_offsets"] = [0, 4]
        header["blocks.0.ln1.b"] = entry
        try writeRaw(header: header, data: data)
        assertLoadFails([weightsPath, "blocks.0.ln1.b"])

        // Reversed and negative offsets.
        for bad in [[8, 4], [-4, 12]] {
            try writeValidModel()
            (header, data) = try readWeights()
            entry = header["ln_final.w"] as! [String: Any]
            entry["data_offsets"] = bad
            header["ln_final.w"] = entry
            try writeRaw(header: header, data: data)
            assertLoadFails([weightsPath, "ln_final.w"])
        }
    }

    /// Shapes whose element count overflows Int must be rejected, not trap.
    func testHeaderWithAbsurdShapeOrOffsets() throws {
        try writeValidModel()
        for (shape, offs) in [([Int(1) << 40, Int(1) << 40], [0, 16]), ([-1, 4], [0, 16]),
                              ([4], [0, Int(1) << 62])] as [([Int], [Int])] {
            var (header, data) = try readWeights()
            var entry = header["ln_final.w"] as! [String: Any]
            entry["shape"] = shape
            entry["data_offsets"] = offs
            header["ln_final.w"] = entry
            try writeRaw(header: header, data: data)
            assertLoadFails([weightsPath, "ln_final.w"])
            _ = data.count
        }
        // Offsets that do not fit an Int at all.
        let (header, data) = try readWeights()
        var text = String(data: try JSONSerialization.data(withJSONObject: header), encoding: .utf8)!
        let entryJSON = String(data: try JSONSerialization.data(withJSONObject: header["ln_final.w"]!), encoding: .utf8)!
        text = text.replacingOccurrences(of: entryJSON, with: #"{"dtype":"F32","shape":[4],"data_offsets":[0,1e300]}"#)
        var raw = Data(text.utf8)
        while raw.count % 8 != 0 { raw.append(0x20) }
        var out = Data()
        var len = UInt64(raw.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        try (out + raw + data).write(to: URL(fileURLWithPath: weightsPath))
        assertLoadFails([weightsPath, "ln_final.w"])
    }

    func testHeaderLengthLargerThanFile() throws {
        try writeValidModel()
        let (header, data) = try readWeights()
        for claimed in [UInt64(1 << 20), UInt64.max, UInt64(1) << 63, 0] {
            try writeRaw(header: header, data: data, headerLength: claimed)
            assertLoadFails([weightsPath, "header length"])
        }
    }

    func testNonJSONHeader() throws {
        try writeConfig()
        var out = Data()
        var len = UInt64(16).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(Data("this is not json".utf8))
        try out.write(to: URL(fileURLWithPath: weightsPath))
        assertLoadFails([weightsPath, "header"])

        // Valid JSON, but not an object of tensor entries.
        try writeRaw(header: [1, 2, 3], data: Data())
        assertLoadFails([weightsPath, "header"])
        try writeRaw(header: ["embed.W_E": "oops"], data: Data())
        assertLoadFails([weightsPath, "embed.W_E"])
    }

    // MARK: config

    func testUnsupportedConfigSettings() throws {
        try writeWeights()
        let cases: [([String: Any], String)] = [
            (["gated_mlp": true], "gated_mlp"),
            (["parallel_attn_mlp": true], "parallel_attn_mlp"),
            (["act_fn": "swish"], "act_fn"),
            (["normalization_type": "RMS"], "normalization_type"),
            (["positional_embedding_type": "rotary"], "positional_embedding_type"),
            (["rotary_dim": 16], "rotary"),
            (["attention_dir": "sideways"], "attention_dir"),
            (["dtype": "float64"], "dtype"),
            (["d_model": "four"], "d_model"),
            (["d_model": 4.5], "d_model"),
            (["n_layers": 1e300], "n_layers"),
            (["n_heads": 0], "n_heads"),
            (["d_mlp": 0], "d_mlp"),
        ]
        for (change, field) in cases {
            try writeConfig(change)
            assertLoadFails([configPath, field])
        }
    }

    func testMissingConfigField() throws {
        try writeWeights()
        var c = config
        c["d_vocab"] = nil
        try JSONSerialization.data(withJSONObject: c).write(to: URL(fileURLWithPath: configPath))
        assertLoadFails([configPath, "d_vocab"])
    }

    func testConfigNotJSON() throws {
        try writeWeights()
        try Data("{ n_layers: 1".utf8).write(to: URL(fileURLWithPath: configPath))
        assertLoadFails([configPath, "JSON"])
    }

    /// A config whose sizes disagree with the weights file names the tensor.
    func testConfigDisagreesWithWeights() throws {
        try writeWeights()
        try writeConfig(["d_mlp": 16])
        assertLoadFails([weightsPath, "blocks.0.mlp.W_in"])
    }

    // MARK: strict config decoding (issue 15 §1)

    /// TransformerLens's default normalization_type is "LN": a config without
    /// the key is a LayerNorm model; an explicit null is one without.
    func testNormalizationTypeDefaultsToLayerNorm() throws {
        try writeWeights()
        var c = config
        c["normalization_type"] = nil
        try JSONSerialization.data(withJSONObject: c).write(to: URL(fileURLWithPath: configPath))
        XCTAssertEqual(try HookedTransformer.load(directory: dir).config.normalization, .layerNorm)
        try writeConfig(["normalization_type": NSNull()])
        XCTAssertNil(try ModelConfig.load(file: configPath).normalization)
    }

    /// A wrong-typed value is refused naming the key, never read as the default.
    func testWrongTypedConfigFieldsAreRefused() throws {
        try writeWeights()
        let cases: [([String: Any], String)] = [
            (["normalization_type": 5], "normalization_type"),
            (["normalization_type": [1]], "normalization_type"),
            (["attn_only": "true"], "attn_only"),
            (["attn_only": 1], "attn_only"),
            (["eps": "small"], "eps"),
            (["eps": NSNull()], "eps"),
            (["use_attn_scale": "yes"], "use_attn_scale"),
            (["act_fn": 3], "act_fn"),
            (["positional_embedding_type": NSNull()], "positional_embedding_type"),
            (["n_layers": true], "n_layers"),
            (["d_vocab_out": "5"], "d_vocab_out"),
            (["gated_mlp": "false"], "gated_mlp"),
            (["dtype": 32], "dtype"),
            (["rotary_dim": "none"], "rotary_dim"),
            (["n_layerz": 2], "n_layerz"),                     // unknown field
            (["attn_scale": 3.0], "attn_scale"),               // not sqrt(d_head)
            (["n_key_value_heads": 1], "n_key_value_heads"),
            (["post_embedding_ln": true], "post_embedding_ln"),
        ]
        for (change, field) in cases {
            try writeConfig(change)
            assertLoadFails([configPath, field])
        }
        // TL's to_dict() values that do not change the forward pass load.
        try writeConfig(["model_name": "custom", "seed": NSNull(), "attn_scale": 2.0.squareRoot(), "n_key_value_heads": NSNull(),
                         "d_vocab_out": -1, "use_attn_result": false, "attn_scores_soft_cap": -1.0])
        XCTAssertEqual(try HookedTransformer.load(directory: dir).config.dVocabOut, 5)
    }

    func testNonPositiveOrNonFiniteEpsIsRefused() throws {
        try writeWeights()
        for eps: Any in [-1, 0, 0.0, -1e-5, 1e-300, Double.greatestFiniteMagnitude] {
            try writeConfig(["eps": eps])
            assertLoadFails([configPath, "eps"])
        }
    }

    /// The Hugging Face GPT-2 config is read with types too.
    func testHuggingFaceConfigTypesAndEpsilon() throws {
        let hf = fixture("hf-tiny-gpt2")
        let copy = (dir as NSString).appendingPathComponent("hf")
        try FileManager.default.copyItem(atPath: hf, toPath: copy)
        let cfgPath = copy + "/config.json"
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cfgPath))) as! [String: Any]
        for (change, key) in [(["layer_norm_epsilon": -1.0], "layer_norm_epsilon"), (["layer_norm_epsilon": "x"], "layer_norm_epsilon"),
                              (["scale_attn_weights": "yes"], "scale_attn_weights"), (["n_layer": 2.5], "n_layer")] as [([String: Any], String)] {
            let merged = original.merging(change) { _, new in new }
            try JSONSerialization.data(withJSONObject: merged).write(to: URL(fileURLWithPath: cfgPath))
            assertLoadFails([cfgPath, key], directory: copy)
        }
    }

    // MARK: safetensors layout (issue 15 §1)

    /// Offsets must tile the data region exactly, as the reference loader requires.
    func testOffsetsThatDoNotTileTheDataAreRefused() throws {
        try writeConfig()
        try writeWeights()
        let (header, data) = try readWeights()
        func entry(_ name: String) -> [String: Any] { header[name] as! [String: Any] }
        func offsets(_ name: String) -> [Int] { entry(name)["data_offsets"] as! [Int] }

        // Trailing bytes nobody covers.
        try writeRaw(header: header, data: data + Data(repeating: 0, count: 4))
        assertLoadFails([weightsPath, "tile"])

        // Overlap: ln_final.w points at the bytes of the tensor before it (same size).
        var overlap = header
        let lnw = offsets("ln_final.w"), prev = offsets("blocks.0.mlp.b_out")
        XCTAssertEqual(lnw[1] - lnw[0], prev[1] - prev[0])
        var e = entry("ln_final.w"); e["data_offsets"] = prev; overlap["ln_final.w"] = e
        try writeRaw(header: overlap, data: data)
        assertLoadFails([weightsPath, "overlaps"])

        // Gap: the last tensor moved 4 bytes on, file grown to match.
        var gap = header
        let bU = offsets("unembed.b_U")
        e = entry("unembed.b_U"); e["data_offsets"] = [bU[0] + 4, bU[1] + 4]; gap["unembed.b_U"] = e
        try writeRaw(header: gap, data: data + Data(repeating: 0, count: 4))
        assertLoadFails([weightsPath, "unembed.b_U", "gap"])
    }

    /// A header length one byte off shifts every offset: refused, not misread.
    func testHeaderLengthOffByOneIsRefused() throws {
        try writeConfig()
        try writeWeights()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: weightsPath))
        let n = bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        for delta in [-1, 1] {
            var copy = bytes
            var len = UInt64(Int(n) + delta).littleEndian
            copy.replaceSubrange(0..<8, with: withUnsafeBytes(of: &len) { Data($0) })
            try copy.write(to: URL(fileURLWithPath: weightsPath))
            assertLoadFails([weightsPath])
        }
    }

    /// A FIFO or a device in place of an input file fails at once instead of
    /// blocking (FIFO) or reading forever (/dev/zero).
    func testFIFOAndDeviceInputsFailFast() throws {
        try writeConfig()
        XCTAssertEqual(mkfifo(weightsPath, 0o600), 0)
        let start = Date()
        assertLoadFails([weightsPath, "FIFO"])
        try FileManager.default.removeItem(atPath: weightsPath)
        try FileManager.default.createSymbolicLink(atPath: weightsPath, withDestinationPath: "/dev/zero")
        assertLoadFails([weightsPath, "device"])
        try FileManager.default.removeItem(atPath: weightsPath)
        try writeWeights()
        try FileManager.default.removeItem(atPath: configPath)
        XCTAssertEqual(mkfifo(configPath, 0o600), 0)
        assertLoadFails([configPath, "FIFO"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    // MARK: token batches

    func testTokenIdOutOfVocabulary() throws {
        try writeValidModel()
        let m = try HookedTransformer.load(directory: dir)
        let batch = try TokenBatch([[0, 1, 2], [3, 5, 4]], origin: "prompts.json")
        assertThrowsModelError(["prompts.json", "5", "row 1", "position 1", "d_vocab"]) {
            try batch.validate(for: m.config, origin: "prompts.json")
        }
    }

    func testSequenceLongerThanContext() throws {
        try writeValidModel()
        let m = try HookedTransformer.load(directory: dir)
        let batch = try TokenBatch([[0, 1, 2, 3]], origin: "prompts.json")
        assertThrowsModelError(["prompts.json", "4", "n_ctx"]) { try batch.validate(for: m.config, origin: "prompts.json") }
    }

    func testMalformedTokenBatches() {
        assertThrowsModelError(["in.json", "empty"]) { _ = try TokenBatch([], origin: "in.json") }
        assertThrowsModelError(["in.json", "empty"]) { _ = try TokenBatch([[]], origin: "in.json") }
        assertThrowsModelError(["in.json", "row 1"]) { _ = try TokenBatch([[1, 2], [3]], origin: "in.json") }
        assertThrowsModelError(["in.json", "-1"]) { _ = try TokenBatch([[1, -1]], origin: "in.json") }
        assertThrowsModelError(["in.json"]) { _ = try TokenBatch([[1, Int.max]], origin: "in.json") }
    }
}
