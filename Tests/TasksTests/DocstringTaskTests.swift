import XCTest
import ACDC
@testable import Tasks

final class DocstringTaskTests: XCTestCase {
    func testGeneratorIsDeterministicAndShaped() {
        let a = DocstringGenerator.prompts(), b = DocstringGenerator.prompts()
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 100)
        for p in a {
            XCTAssertEqual(p.wrong.count, 13)
            XCTAssertFalse(p.wrong.contains(p.correct))
            XCTAssertTrue(p.clean.hasPrefix("\ndef ")); XCTAssertTrue(p.clean.hasSuffix("\n    :param"))
            XCTAssertEqual(p.clean.components(separatedBy: ":param").count, 4)
            // Same method name and description in the corruption; only argument names change.
            XCTAssertEqual(p.clean.prefix(while: { $0 != "(" }), p.corrupted.prefix(while: { $0 != "(" }))
        }
        XCTAssertNotEqual(a[0], a[1])
    }

    /// With a stand-in tokenizer (GPT-2's, which the real one resembles on these
    /// prompts), the task builds equal-length rows, BOS first, and first-token answers.
    func testExperimentWithStandInTokenizer() throws {
        let dir = NSTemporaryDirectory() + "/acdc-docstring-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for f in ["encoder.json", "vocab.bpe"] {
            try FileManager.default.copyItem(atPath: tasksDir + "/gpt2-tokenizer/" + f, toPath: dir + "/" + f)
        }
        let exp = try DocstringTask().experiment(TaskContext(tasksDirectory: tasksDir, modelDirectory: dir))
        XCTAssertEqual(exp.clean.rows, 50)
        XCTAssertEqual(exp.clean.row(0)[0], 50256)
        XCTAssertEqual(exp.metrics.map(\.name), ["kl_div", "docstring_metric", "nll", "match_nll"])
        guard case .docstring(let p, let correct, let wrong) = exp.metrics[1].spec else { return XCTFail() }
        XCTAssertEqual(p, exp.clean.seqLen - 1)
        XCTAssertEqual(correct[0], gpt2.encodeOrdinary(" size").first)
        XCTAssertEqual(wrong[0].count, 13)
        // special_tokens.json overrides the BOS id.
        try AtomicFile.write("{\"bos_token_id\": 7}", to: dir + "/special_tokens.json")
        XCTAssertEqual(try DocstringTask().experiment(TaskContext(tasksDirectory: tasksDir, modelDirectory: dir)).clean.row(3)[0], 7)
    }

    func testMissingTokenizerIsOneLineError() {
        XCTAssertThrowsError(try DocstringTask().experiment(TaskContext(tasksDirectory: tasksDir, modelDirectory: "/nonexistent/m"))) { e in
            let m = (e as? ACDCError)?.message ?? ""
            XCTAssertTrue(m.hasPrefix("docstring: needs the model's tokenizer"), m)
            XCTAssertFalse(m.contains("\n"))
        }
    }
}
