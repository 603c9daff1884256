import Foundation
import XCTest
@testable import Tokenizer

/// Unit tests of the building blocks: byte alphabet, JSON parser, merge semantics.
final class ComponentTests: XCTestCase {
    // MARK: Byte alphabet

    func testByteAlphabetIsABijectionWithGPT2sSpecialPlacements() {
        let scalars = ByteUnicodeMap.scalarForByte
        XCTAssertEqual(Set(scalars).count, 256)
        for byte in 0..<256 {
            XCTAssertEqual(ByteUnicodeMap.byte(for: scalars[byte]), UInt8(byte))
        }
        XCTAssertEqual(scalars[0x20], "\u{120}")  // space -> Ġ
        XCTAssertEqual(scalars[0x0A], "\u{10A}")  // newline -> Ċ
        XCTAssertEqual(scalars[0x41], "A")
        XCTAssertNil(ByteUnicodeMap.byte(for: " "))
        XCTAssertNil(ByteUnicodeMap.byte(for: "\u{4E00}"))
    }

    // MARK: JSON parser

    func testJSONParserHandlesEscapesAndSurrogatePairs() throws {
        let json = #"  {"\u0120a" : 1, "\"q\\/" :2,"\ud83d\ude00": 3, "plain\t": 40 }  "#
        let parsed = try VocabularyJSONParser.parse(Array(json.utf8), path: "v.json")
        let tokens = parsed.entries.map { String(decoding: parsed.text[$0.textRange], as: UTF8.self) }
        XCTAssertEqual(tokens, ["\u{120}a", "\"q\\/", "😀", "plain\t"])
        XCTAssertEqual(parsed.entries.map(\.id), [1, 2, 3, 40])
    }

    func testJSONParserReportsPathAndOffset() {
        for bad in [#"{"a": 1"#, #"{"a" 1}"#, #"{"a": -1}"#, #"{"a": 1.5}"#, #"["a"]"#, #"{"\ud800": 1}"#, #"{"a": 1} x"#] {
            XCTAssertThrowsError(try VocabularyJSONParser.parse(Array(bad.utf8), path: "v.json"), bad) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.hasPrefix("v.json: malformed JSON"), message)
            }
        }
    }

    func testTokenTableMatchesBytesExactlyAndLastDuplicateWins() throws {
        let json = #"{"e\u0301": 1, "\u00e9": 2, "ab": 3, "ab": 4}"#
        let parsed = try VocabularyJSONParser.parse(Array(json.utf8), path: "v.json")
        let table = TokenTable(text: parsed.text, entries: parsed.entries)
        // Canonically equivalent spellings stay distinct, as in a Python dict.
        XCTAssertEqual(table.id(of: ArraySlice("e\u{301}".utf8)), 1)
        XCTAssertEqual(table.id(of: ArraySlice("\u{e9}".utf8)), 2)
        XCTAssertEqual(table.id(of: ArraySlice("ab".utf8)), 4)
        XCTAssertEqual(table.id(ofConcatenation: ArraySlice("a".utf8), ArraySlice("b".utf8)), 4)
        XCTAssertNil(table.id(of: ArraySlice("a".utf8)))
        XCTAssertNil(table.id(ofConcatenation: ArraySlice("ab".utf8), ArraySlice("c".utf8)))
    }

    // MARK: Merge semantics

    /// Writes a vocabulary with the 256 byte tokens plus `extra`, and the given merges.
    private func syntheticTokenizer(extra: [String], merges: [String]) throws -> GPT2Tokenizer {
        var vocabulary: [String: Int] = [:]
        for byte in 0..<256 { vocabulary[String(ByteUnicodeMap.scalarForByte[byte])] = byte }
        for (offset, token) in extra.enumerated() { vocabulary[token] = 256 + offset }
        let directory = try TokenizerTestSupport.makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        try JSONSerialization.data(withJSONObject: vocabulary).write(to: directory.appendingPathComponent("vocab.json"))
        try Data((["#version: 0.2"] + merges).joined(separator: "\n").utf8).write(to: directory.appendingPathComponent("merges.txt"))
        return try GPT2Tokenizer(directory: directory.path)
    }

    func testAllOccurrencesOfTheBestPairMergeBeforeAnyNewPair() throws {
        // "aa a" outranks "a a", but it only exists once "a a" has fired. The reference merges
        // every "a a" first, giving [aa, aa]; merging one pair at a time would give [aaa, a].
        let tokenizer = try syntheticTokenizer(extra: ["aa", "aaa"], merges: ["aa a", "a a"])
        let aa = try XCTUnwrap(tokenizer.id(of: "aa"))
        XCTAssertEqual(tokenizer.encode("aaaa"), [aa, aa])
        XCTAssertEqual(tokenizer.encode("aaa"), [try XCTUnwrap(tokenizer.id(of: "aaa"))])
    }


    func testOverlappingOccurrencesMergeLeftToRight() throws {
        let tokenizer = try syntheticTokenizer(extra: ["aa"], merges: ["a a"])
        let aa = try XCTUnwrap(tokenizer.id(of: "aa"))
        let a = try XCTUnwrap(tokenizer.id(of: "a"))
        XCTAssertEqual(tokenizer.encode("aaa"), [aa, a])
        XCTAssertEqual(tokenizer.encode("aaaaa"), [aa, aa, a])
    }

    func testMergesApplyInRankOrder() throws {
        // "b c" outranks "a b", so "abc" becomes a + bc even though "a b" comes first in the text.
        let tokenizer = try syntheticTokenizer(extra: ["ab", "bc"], merges: ["b c", "a b"])
        XCTAssertEqual(tokenizer.encode("abc"), [tokenizer.id(of: "a")!, tokenizer.id(of: "bc")!])
        XCTAssertEqual(tokenizer.encode("abd"), [tokenizer.id(of: "ab")!, tokenizer.id(of: "d")!])
    }

    func testVocabularyWithoutEndOfTextParsesNoSpecials() throws {
        let tokenizer = try syntheticTokenizer(extra: [], merges: [])
        XCTAssertEqual(tokenizer.encode("<|endoftext|>").count, 13)
        XCTAssertEqual(tokenizer.vocabularySize, 256)
    }
}
