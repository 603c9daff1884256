import Foundation
import XCTest
import TestSupport
@testable import Transformer

/// Every Hugging Face architecture against `transformers` (eager, float32):
/// the tiny random models of `Tests/Fixtures/hf-arch/` (made by
/// `scripts/make_hf_arch_fixtures.py`), logits at every position and the
/// residual stream after every layer.
///
/// Tolerance 5e-5 absolute on logits of magnitude ~13-23: float32 with a
/// different summation order lands within ~2e-5 (the fixture script's own
/// independent float32 implementation: ≤ 1.3e-5), while every feature the
/// cases exercise moves the logits by ≥ 0.6 when ignored and every common
/// slip (rotary pairing, GQA mapping, window off by one, ...) by ≥ 2.8.
final class ArchitectureParityTests: XCTestCase {
    static let cases = ["gpt2", "gpt2-hub-layout", "llama", "llama-bf16-tied-sharded", "qwen2", "mistral", "gpt_neox", "gpt_neox-sequential",
                        "gemma2", "gemma2-legacy", "phi3", "olmo2"]

    static func caseDir(_ name: String) -> String { FixturePaths.path("hf-arch", name) }

    static func tokens(_ name: String) throws -> TokenBatch {
        let path = (caseDir(name) as NSString).appendingPathComponent("tokens.json")
        let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [[Int]]
        return try TokenBatch(rows, origin: path)
    }

    func testEveryCaseIsListed() throws {
        let dirs = try FileManager.default.contentsOfDirectory(atPath: FixturePaths.path("hf-arch"))
            .filter { FileManager.default.fileExists(atPath: Self.caseDir($0) + "/config.json") }
        XCTAssertEqual(Set(dirs), Set(Self.cases))
    }

    func testLogitsAndResidualsMatchTransformers() throws {
        var report: [String] = []
        for name in Self.cases {
            let model = try HookedTransformer.load(directory: Self.caseDir(name))
            let tokens = try Self.tokens(name)
            let expected = try SafetensorsFile(path: (Self.caseDir(name) as NSString).appendingPathComponent("expected.safetensors"))
            let L = model.config.nLayers
            var cache = HookCache(only: Set((0..<L).map { HookPoint.residPost($0) }))
            let logits = model.forward(tokens, hooks: &cache)
            let want = try expected.tensor("logits")
            XCTAssertEqual(want.shape, [tokens.rows, tokens.seqLen, model.config.dVocabOut], name)
            let logitErr = maxAbsDiff(logits, want.array)
            var residErr: Float = 0
            for l in 0..<L {
                let r = try expected.tensor("blocks.\(l).hook_resid_post")
                residErr = max(residErr, maxAbsDiff(cache.values[.residPost(l)]!, r.array))
            }
            let magnitude = want.array.map(abs).max() ?? 0
            report.append("\(name): logits \(logitErr) (|logit| ≤ \(magnitude)), residuals \(residErr)")
            XCTAssertLessThan(logitErr, 5e-5, "\(name) logits")
            XCTAssertLessThan(residErr, 5e-5, "\(name) residuals")
        }
        print("hf-arch parity (max abs error vs transformers):\n  " + report.joined(separator: "\n  "))
    }

    private func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        var m: Float = 0
        for i in a.indices { m = max(m, abs(a[i] - b[i])) }
        return m
    }
}
