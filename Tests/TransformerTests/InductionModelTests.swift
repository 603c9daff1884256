import Foundation
import XCTest
import TestSupport
@testable import Transformer

/// The induction model in `tasks/induction/model/` was trained with a plain
/// PyTorch re-implementation of a TransformerLens attention-only model
/// (`scripts/train_induction.py`). These tests check that our runtime reads
/// the exported weights with the same meaning: same logits as the PyTorch
/// model, and it actually does induction on the task data.
final class InductionModelTests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: TestSupport.repoRoot)
    static let taskDir = repoRoot.appendingPathComponent("tasks/induction")

    func loadJSON(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: Self.taskDir.appendingPathComponent(name))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], name)
    }

    func testConfig() throws {
        let model = try HookedTransformer.load(directory: Self.taskDir.appendingPathComponent("model").path)
        let c = model.config
        XCTAssertTrue(c.attnOnly)
        XCTAssertNil(c.dMLP)
        XCTAssertEqual(c.normalization, .layerNorm)
        XCTAssertEqual(c.positionalEmbedding, .standard)
        XCTAssertTrue(c.causal)
        XCTAssertEqual(c.nLayers, 2)
        XCTAssertEqual(c.nHeads * c.dHead, c.dModel)
    }

    func testLogitsMatchPyTorchReference() throws {
        let model = try HookedTransformer.load(directory: Self.taskDir.appendingPathComponent("model").path)
        let ref = try loadJSON("reference_logits.json")
        let rows = try XCTUnwrap(ref["tokens"] as? [[Int]])
        let expected = try XCTUnwrap(ref["logits"] as? [[[Double]]])
        let logits = model.logits(try TokenBatch(rows, origin: "reference_logits.json"))
        let T = rows[0].count, V = model.config.dVocabOut
        XCTAssertEqual(logits.count, rows.count * T * V)
        // PyTorch and OpenBLAS accumulate the matrix products (and the LayerNorm
        // and softmax reductions) in different orders; in float32 that leaves
        // differences of a few 1e-6 on logits of magnitude ~10. 1e-4 absolute
        // is far above that noise and far below what a misread weight layout
        // (e.g. W_Q/W_O head axis, missing b_O, wrong mask) would cause.
        let worst = maxLogitDifference(logits, expected: expected, seqLen: T, vocab: V)
        XCTAssertLessThan(worst, 1e-4, "max |swift - pytorch| = \(worst)")
    }

    /// On the clean task rows the model predicts the repeated half: top-1 at the
    /// masked positions (position t predicts token t+1) is the next token.
    func testModelDoesInduction() throws {
        let model = try HookedTransformer.load(directory: Self.taskDir.appendingPathComponent("model").path)
        let data = try loadJSON("data.json")
        let clean = try XCTUnwrap(data["clean"] as? [[Int]])
        let corrupted = try XCTUnwrap(data["corrupted"] as? [[Int]])
        let mask = try XCTUnwrap(data["mask"] as? [[Bool]])
        XCTAssertEqual(clean.count, corrupted.count)
        XCTAssertEqual(mask.count, clean.count)
        let logits = model.logits(try TokenBatch(clean, origin: "data.json"))
        let T = clean[0].count, V = model.config.dVocabOut
        var hits = 0, total = 0
        for b in 0..<clean.count {
            XCTAssertEqual(mask[b].count, T)
            for t in 0..<(T - 1) where mask[b][t] {
                let row = logits[((b * T + t) * V)..<((b * T + t + 1) * V)]
                let best = row.indices.max { row[$0] < row[$1] }! - (b * T + t) * V
                if best == clean[b][t + 1] { hits += 1 }
                total += 1
            }
        }
        XCTAssertGreaterThan(total, 0)
        XCTAssertGreaterThan(Double(hits) / Double(total), 0.9, "induction top-1 accuracy \(hits)/\(total)")
    }
}
