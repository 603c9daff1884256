import Foundation
import XCTest
import TestSupport
import Transformer

/// `acdc forward`, `run`, `export` and `eval` as a user runs them on every
/// Hugging Face architecture (`Tests/Fixtures/hf-arch/`).
final class ArchitectureCommandTests: XCTestCase {
    static let cases = ["gpt2", "gpt2-hub-layout", "llama", "llama-bf16-tied-sharded", "qwen2", "mistral", "gpt_neox", "gpt_neox-sequential",
                        "gemma2", "gemma2-legacy", "phi3", "olmo2"]

    func testForwardWritesLogitsAndHooksMatchingTransformers() throws {
        let scratch = Scratch()
        for name in Self.cases {
            let dir = ACDCProcess.fixture("hf-arch/" + name)
            let expected = try SafetensorsFile(path: dir + "/expected.safetensors")
            let layers = expected.entries.keys.filter { $0.hasSuffix("hook_resid_post") }.count
            let hooks = (0..<layers).map { "blocks.\($0).hook_resid_post" } + ["blocks.0.attn.hook_pattern"]
            let out = scratch.file(name + ".safetensors")
            let r = try ACDCProcess.run(["forward", "--model", dir, "--tokens", dir + "/tokens.json", "--output", out,
                                         "--hooks", hooks.joined(separator: ",")])
            XCTAssertTrue(r.exitedCleanly, "\(name): \(r)")
            let got = try SafetensorsFile(path: out)
            for key in ["logits"] + hooks.dropLast() {
                let a = try got.tensor(key), b = try expected.tensor(key)
                XCTAssertEqual(a.shape, b.shape, "\(name) \(key)")
                let err = zip(a.array, b.array).map { abs($0 - $1) }.max() ?? .infinity
                XCTAssertLessThan(err, 5e-5, "\(name) \(key)")
            }
            // Attention patterns: rows sum to 1, [batch, heads, seq, seq].
            let p = try got.tensor("blocks.0.attn.hook_pattern")
            XCTAssertEqual(p.shape.count, 4, name)
            let T = p.shape[3]
            for row in 0..<(p.count / T) {
                let s = (0..<T).reduce(Float(0)) { $0 + p[row * T + $1] }
                XCTAssertEqual(s, 1, accuracy: 1e-5, "\(name) pattern row \(row)")
            }
        }
    }

    func testRunExportAndEvalFinishOnEveryArchitecture() throws {
        let scratch = Scratch()
        for name in Self.cases {
            let dir = ACDCProcess.fixture("hf-arch/" + name)
            let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/tokens.json"))) as! [[Int]]
            let experiment: [String: Any] = [
                "format": "acdc-experiment/1", "name": "hf-arch-" + name, "model": dir,
                "clean": rows, "corrupted": Array(rows[1...] + rows[..<1]),
                "metrics": ["kl_div": ["positions": [rows[0].count - 1]]],
            ]
            let expPath = scratch.file(name + ".json")
            try JSONSerialization.data(withJSONObject: experiment).write(to: URL(fileURLWithPath: expPath))
            let runDir = scratch.file(name + "-run")
            let run = try ACDCProcess.run(["run", "--experiment", expPath, "--threshold", "0.05", "--out", runDir, "--quiet", "--json"])
            XCTAssertTrue(run.exitedCleanly, "\(name): \(run)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: runDir + "/result.json"), name)
            let edges = scratch.file(name + "-edges.txt")
            let export = try ACDCProcess.run(["export", runDir, "--format", "edges", "--output", edges])
            XCTAssertTrue(export.exitedCleanly, "\(name): \(export)")
            let mib = try ACDCProcess.run(["export", runDir, "--format", "mib", "--output", scratch.file(name + "-mib.json")])
            XCTAssertTrue(mib.exitedCleanly, "\(name): \(mib)")
            // The exported circuit evaluates to the run's final metric.
            let eval = try ACDCProcess.run(["eval", "--experiment", expPath, "--edges", edges, "--json"])
            XCTAssertTrue(eval.exitedCleanly, "\(name): \(eval)")
            let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            let value = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
            if let a = result?["final_metric"] as? Double, let b = value?["value"] as? Double {
                XCTAssertEqual(a, b, accuracy: 1e-6 + 1e-4 * abs(a), name)
            } else {
                XCTFail("\(name): unreadable summaries: \(run.stdout) / \(eval.stdout)")
            }
        }
    }

    func testForwardRefusesBadInputWithOneLine() throws {
        let scratch = Scratch()
        let dir = ACDCProcess.fixture("hf-arch/llama")
        let tokens = scratch.file("bad.json")
        try Data("[[1, 2, 3], [4, 5]]".utf8).write(to: URL(fileURLWithPath: tokens))
        ACDCProcess.assertRefused(try ACDCProcess.run(["forward", "--model", dir, "--tokens", tokens, "--output", scratch.file("o.st")]),
                                  mentioning: [tokens, "row 1"])
        try Data("[[1, 2, 99999]]".utf8).write(to: URL(fileURLWithPath: tokens))
        ACDCProcess.assertRefused(try ACDCProcess.run(["forward", "--model", dir, "--tokens", tokens, "--output", scratch.file("o.st")]),
                                  mentioning: [tokens, "99999"])
        try Data("[[1, 2, 3]]".utf8).write(to: URL(fileURLWithPath: tokens))
        ACDCProcess.assertRefused(try ACDCProcess.run(["forward", "--model", dir, "--tokens", tokens, "--output", scratch.file("o.st"),
                                                       "--hooks", "blocks.9.hook_resid_post"]),
                                  mentioning: ["blocks.9.hook_resid_post"])
    }
}
