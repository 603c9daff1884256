import Foundation
import XCTest
@testable import Tokenizer

/// Parity with the `tokenizers` library on the fixtures of `scripts/make_tokenizer_fixtures.py`
/// (`Tests/Fixtures/hf-tokenizers/`): one small trained tokenizer per model family and a few
/// thousand test strings, with the library's ids (without and with special tokens) and both
/// decodes. Every case must be identical.
final class HuggingFaceParityTests: XCTestCase {
    static let directory = TokenizerTestSupport.repositoryRoot.appendingPathComponent("Tests/Fixtures/hf-tokenizers")
    static let families = ["gpt2", "llama3", "qwen2", "pythia", "llama2", "mistral", "gemma", "wordlevel",
                           "whitespace-wordlevel", "unigram", "bert-wordlevel", "suffix-bpe", "prefix-bpe",
                           "unigram-bytefallback"]

    struct Expected: Decodable {
        var plain: [Int]
        var special: [Int]?
        var decodeKeepingSpecial: String?
        var decodeSkippingSpecial: String?

        init(from decoder: Decoder) throws {
            var row = try decoder.unkeyedContainer()
            plain = try row.decode([Int].self)
            special = try row.decodeIfPresent([Int].self)
            decodeKeepingSpecial = try row.decodeIfPresent(String.self)
            decodeSkippingSpecial = try row.decodeIfPresent(String.self)
        }
    }

    static func strings() throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(contentsOf: directory.appendingPathComponent("strings.json")))
    }

    static func expected(_ family: String) throws -> [Expected] {
        let text = try String(contentsOf: directory.appendingPathComponent("\(family)/expected.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Expected.self, from: Data($0.utf8)) }
    }

    static func tokenizer(_ family: String) throws -> HuggingFaceTokenizer {
        try HuggingFaceTokenizer(path: directory.appendingPathComponent(family).path)
    }

    /// The mismatching cases of one family, described; empty when all agree.
    static func mismatches(_ family: String, expectationsOf expectedFamily: String? = nil) throws
        -> (cases: Int, failures: [String]) {
        let tokenizer = try tokenizer(family)
        let rows = try expected(expectedFamily ?? family)
        let strings = try strings()
        XCTAssertEqual(rows.count, strings.count, family)
        var failures: [String] = []
        func same(_ a: String, _ b: String) -> Bool { Array(a.utf8) == Array(b.utf8) }
        for (text, row) in zip(strings, rows) {
            let plain = tokenizer.encode(text, addSpecialTokens: false)
            let special = tokenizer.encode(text, addSpecialTokens: true)
            let expectedSpecial = row.special ?? row.plain
            let keep = tokenizer.decode(expectedSpecial, skipSpecialTokens: false)
            let skip = tokenizer.decode(expectedSpecial, skipSpecialTokens: true)
            var problems: [String] = []
            if plain != row.plain { problems.append("ids \(plain) != \(row.plain)") }
            if special != expectedSpecial { problems.append("ids+special \(special) != \(expectedSpecial)") }
            if !same(keep, row.decodeKeepingSpecial ?? text) {
                problems.append("decode \(keep.debugDescription) != \((row.decodeKeepingSpecial ?? text).debugDescription)")
            }
            if !same(skip, row.decodeSkippingSpecial ?? text) {
                problems.append("decode(skip) \(skip.debugDescription) != \((row.decodeSkippingSpecial ?? text).debugDescription)")
            }
            if !problems.isEmpty { failures.append("\(text.debugDescription): " + problems.joined(separator: "; ")) }
        }
        return (strings.count, failures)
    }

    private func checkFamily(_ family: String) throws {
        let (cases, failures) = try Self.mismatches(family)
        XCTAssertGreaterThan(cases, 2000)
        XCTAssertEqual(failures.count, 0, "\(family): \(failures.count) of \(cases) cases differ; first: \(failures.prefix(5).joined(separator: "\n"))")
    }

    func testGPT2() throws { try checkFamily("gpt2") }
    func testLlama3() throws { try checkFamily("llama3") }
    func testQwen2() throws { try checkFamily("qwen2") }
    func testPythia() throws { try checkFamily("pythia") }
    func testLlama2() throws { try checkFamily("llama2") }
    func testMistral() throws { try checkFamily("mistral") }
    func testGemma() throws { try checkFamily("gemma") }
    func testWordLevel() throws { try checkFamily("wordlevel") }
    func testWhitespaceWordLevel() throws { try checkFamily("whitespace-wordlevel") }
    func testUnigram() throws { try checkFamily("unigram") }
    func testBertWordLevel() throws { try checkFamily("bert-wordlevel") }
    func testSuffixBPE() throws { try checkFamily("suffix-bpe") }
    func testPrefixBPE() throws { try checkFamily("prefix-bpe") }
    func testUnigramByteFallback() throws { try checkFamily("unigram-bytefallback") }

    /// The comparison itself can fail: GPT-2's tokenizer checked against Qwen2's expectations
    /// (same strings, different vocabulary) differs on most cases.
    func testComparisonDetectsAnotherTokenizer() throws {
        let (cases, failures) = try Self.mismatches("gpt2", expectationsOf: "qwen2")
        XCTAssertGreaterThan(failures.count, cases / 2)
    }

    func testEveryFixtureFamilyIsTested() throws {
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { FileManager.default.fileExists(atPath: Self.directory.appendingPathComponent("\($0)/tokenizer.json").path) }
        XCTAssertEqual(Set(onDisk), Set(Self.families))
    }
}
