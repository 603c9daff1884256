import XCTest
@testable import Tokenizer

/// Hand-picked corner cases of the pre-tokenization regex and the special-token policy.
/// Expected ids come from the reference GPT-2 encoder.
final class EdgeCaseTests: XCTestCase {
    private func assertEncodes(_ text: String, _ expected: [Int], file: StaticString = #filePath, line: UInt = #line) throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        XCTAssertEqual(tokenizer.encode(text), expected, text.debugDescription, file: file, line: line)
        XCTAssertSameBytes(tokenizer.decode(expected), text, file: file, line: line)
    }

    func testEmptyText() throws {
        try assertEncodes("", [])
    }

    func testLeadingSpaceJoinsTheWord() throws {
        try assertEncodes(" hello", [23748])
        XCTAssertEqual(PreTokenizer.splitIntoStrings(" hello"), [" hello"])
    }

    func testTrailingSpaceIsItsOwnToken() throws {
        try assertEncodes("hello ", [31373, 220])
        XCTAssertEqual(PreTokenizer.splitIntoStrings("hello "), ["hello", " "])
    }

    func testMultipleSpacesLeaveTheLastOneForTheNextWord() throws {
        try assertEncodes("a   b", [64, 220, 220, 275])
        XCTAssertEqual(PreTokenizer.splitIntoStrings("a   b"), ["a", "  ", " b"])
        try assertEncodes("  ", [220, 220])
        XCTAssertEqual(PreTokenizer.splitIntoStrings("  "), ["  "])
    }

    func testDoubleNewline() throws {
        try assertEncodes("\n\n", [628])
        // Before a word, `\s+(?!\S)` gives back the last newline, which then stands alone.
        try assertEncodes("a\n\nb", [64, 198, 198, 65])
        XCTAssertEqual(PreTokenizer.splitIntoStrings("a\n\nb"), ["a", "\n", "\n", "b"])
    }

    func testContractions() throws {
        try assertEncodes("I'm", [40, 1101])
        try assertEncodes("don't", [9099, 470])
        try assertEncodes("x's'll", [87, 338, 1183])
        XCTAssertEqual(PreTokenizer.splitIntoStrings("x's'll"), ["x", "'s", "'ll"])
        // Contractions are case-sensitive and take no leading space.
        try assertEncodes("I'M", [40, 6, 44])
        try assertEncodes(" 's", [705, 82])
        XCTAssertEqual(PreTokenizer.splitIntoStrings("?'s"), ["?'", "s"])
    }

    func testNumbers() throws {
        try assertEncodes("2023", [1238, 1954])
        XCTAssertEqual(PreTokenizer.splitIntoStrings("in 2023!"), ["in", " 2023", "!"])
    }

    func testEndOfTextIsParsedByEncode() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        XCTAssertEqual(tokenizer.encode("<|endoftext|>"), [GPT2Tokenizer.endOfText])
        XCTAssertEqual(tokenizer.encode("a<|endoftext|> b"), [64, 50256, 275])
        XCTAssertEqual(tokenizer.encode("<|endoftext|><|endoftext|>"), [50256, 50256])
        XCTAssertEqual(tokenizer.decode([50256]), "<|endoftext|>")
        XCTAssertEqual(tokenizer.token(50256), "<|endoftext|>")
        XCTAssertEqual(tokenizer.id(of: "<|endoftext|>"), 50256)
    }

    func testEndOfTextIsPlainTextForEncodeOrdinary() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        let ids = tokenizer.encodeOrdinary("<|endoftext|>")
        XCTAssertEqual(ids.count, 7)
        XCTAssertFalse(ids.contains(GPT2Tokenizer.endOfText))
        XCTAssertEqual(tokenizer.decode(ids), "<|endoftext|>")
    }

    func testSpecialTokenFollowedByCombiningMarkIsStillMatched() throws {
        // Matching is on bytes, like tiktoken; Character comparison would miss this one.
        let tokenizer = try TokenizerTestSupport.gpt2()
        let ids = tokenizer.encode("<|endoftext|>\u{301}")
        XCTAssertEqual(ids.first, 50256)
        XCTAssertSameBytes(tokenizer.decode(ids), "<|endoftext|>\u{301}")
    }

    func testVocabularyShape() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        XCTAssertEqual(tokenizer.vocabularySize, 50257)
        XCTAssertEqual(tokenizer.token(0), "!")
        XCTAssertEqual(tokenizer.id(of: "\u{120}the"), 262)
        XCTAssertNil(tokenizer.token(-1))
        XCTAssertNil(tokenizer.token(50257))
        XCTAssertNil(tokenizer.id(of: "not a token at all"))
    }

    func testInvalidUTF8DecodesWithReplacementCharacter() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        // "東" is three bytes; the byte-level ids for just its first byte are not valid UTF-8.
        let ids = tokenizer.encode("東")
        XCTAssertGreaterThan(ids.count, 1)
        XCTAssertEqual(tokenizer.decode([ids[0]]), "\u{FFFD}")
        XCTAssertEqual(tokenizer.decode([ids[0]] + tokenizer.encode("a")), "\u{FFFD}a")
    }

    func testUnknownIDsDecodeToReplacementCharacterInsteadOfTrapping() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        XCTAssertEqual(tokenizer.decode([64, -5, 1_000_000, 65]), "a\u{FFFD}\u{FFFD}b")
    }

    func testLongRunOfOneLetterUsesTheFastMergePath() throws {
        // 20k identical letters form one pre-token; the reference algorithm is quadratic here.
        let tokenizer = try TokenizerTestSupport.gpt2()
        let text = String(repeating: "a", count: 20_000)
        let ids = tokenizer.encode(text)
        XCTAssertLessThan(ids.count, 20_000)
        XCTAssertEqual(tokenizer.decode(ids), text)
    }
}
