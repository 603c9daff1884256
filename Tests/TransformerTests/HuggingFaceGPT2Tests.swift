import Foundation
import XCTest
import TestSupport
@testable import Transformer

/// Loads a Hugging Face GPT-2 directory (HF tensor names, Conv1D layout, tied
/// unembedding) through `HookedTransformer.load(directory:)` and compares the
/// logits with those of `transformers`' own forward pass.
/// Fixture: `Tests/Fixtures/hf-tiny-gpt2/`, made by `scripts/make_hf_gpt2_fixture.py`
/// (random 2-layer GPT-2, d 64, 4 heads, n_inner 64, vocab 97, perturbed LN and biases).
final class HuggingFaceGPT2Tests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: TestSupport.repoRoot)
    static let fixture = repoRoot.appendingPathComponent("Tests/Fixtures/hf-tiny-gpt2")

    func testLogitsMatchTransformers() throws {
        let dir = Self.fixture.path
        let model = try HookedTransformer.load(directory: dir)
        XCTAssertEqual(model.config.nLayers, 2)
        XCTAssertEqual(model.config.dModel, 64)
        XCTAssertEqual(model.config.nHeads, 4)
        XCTAssertEqual(model.config.dHead, 16)
        XCTAssertEqual(model.config.dMLP, 64)
        XCTAssertEqual(model.config.dVocab, 97)
        XCTAssertEqual(model.config.nCtx, 32)

        let data = try Data(contentsOf: Self.fixture.appendingPathComponent("expected_logits.json"))
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let batches = try XCTUnwrap(json["batches"] as? [[String: Any]])
        XCTAssertFalse(batches.isEmpty)
        for (bi, batch) in batches.enumerated() {
            let rows = try XCTUnwrap(batch["tokens"] as? [[Int]])
            let expected = try XCTUnwrap(batch["logits"] as? [[[Double]]])
            let logits = model.logits(try TokenBatch(rows, origin: "expected_logits.json batch \(bi)"))
            let T = rows[0].count, V = model.config.dVocabOut
            XCTAssertEqual(logits.count, rows.count * T * V)
            // PyTorch (MKL/own kernels) and OpenBLAS sum the matrix products in a
            // different order, and the softmax/LayerNorm reductions differ too; in
            // float32 that leaves differences of a few 1e-6 on logits of size ~10-20.
            // 1e-4 absolute is well above that noise and far below any layout bug
            // (a wrong Q/K/V split, transposed Conv1D or swapped LN weight/bias
            // moves the logits by O(1)).
            let worst = maxLogitDifference(logits, expected: expected, seqLen: T, vocab: V)
            XCTAssertLessThan(worst, 1e-4, "batch \(bi): max |swift - transformers| = \(worst)")
        }
    }

    func testNEmbdNotMultipleOfNHeadIsRejected() throws {
        let tmp = FileManager.default.temporaryDirectory
            .appendingPathComponent("hf-gpt2-bad-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent("model.safetensors"),
                                         to: tmp.appendingPathComponent("model.safetensors"))
        let cfgData = try Data(contentsOf: Self.fixture.appendingPathComponent("config.json"))
        var cfg = try XCTUnwrap(try JSONSerialization.jsonObject(with: cfgData) as? [String: Any])
        cfg["n_head"] = 5  // 64 is not a multiple of 5
        let cfgPath = tmp.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: cfg).write(to: cfgPath)

        XCTAssertThrowsError(try HookedTransformer.load(directory: tmp.path)) { error in
            guard let e = error as? ModelError else { return XCTFail("expected ModelError, got \(error)") }
            XCTAssertFalse(e.message.contains("\n"), "message must be one line: \(e.message)")
            XCTAssertTrue(e.message.contains(cfgPath.path), "message must name the config file: \(e.message)")
            XCTAssertTrue(e.message.contains("n_head"), e.message)
        }
    }
}
