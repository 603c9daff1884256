import Foundation
import XCTest
@testable import Tokenizer

/// Reference tokenizations that were produced by GPT-2's own tokenizer
/// (`Tests/Fixtures/gpt2-tokenizer/cases.json`; special tokens not parsed there).
final class ReferenceCasesTests: XCTestCase {
    private struct CaseFile: Decodable {
        struct Case: Decodable {
            let text: String
            let ids: [Int]
            /// The regex matches, present in the generated file only.
            let pieces: [String]?
        }
        let cases: [Case]
    }

    private func loadCases(_ name: String) throws -> [CaseFile.Case] {
        let data = try Data(contentsOf: TokenizerTestSupport.fixturesDirectory.appendingPathComponent(name))
        return try JSONDecoder().decode(CaseFile.self, from: data).cases
    }

    func testEveryReferenceCaseEncodesToTheReferenceIDs() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        let cases = try loadCases("cases.json")
        XCTAssertEqual(cases.count, 15)
        for testCase in cases {
            XCTAssertEqual(tokenizer.encodeOrdinary(testCase.text), testCase.ids, testCase.text.debugDescription)
        }
    }

    func testEncodeAgreesWithReferenceWhenNoSpecialTokenIsPresent() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        for testCase in try loadCases("cases.json") where !testCase.text.contains(GPT2Tokenizer.endOfTextText) {
            XCTAssertEqual(tokenizer.encode(testCase.text), testCase.ids, testCase.text.debugDescription)
        }
    }

    func testEveryReferenceCaseDecodesBackToItsText() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        for testCase in try loadCases("cases.json") {
            XCTAssertSameBytes(tokenizer.decode(testCase.ids), testCase.text)
        }
    }

    /// Strings covering Unicode categories, whitespace and contraction corner cases, tokenized
    /// with the reference algorithm (OpenAI's encoder.py logic on Python's `regex` module).
    func testGeneratedReferenceCasesEncodeAndDecode() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        let cases = try loadCases("regex-reference-cases.json")
        XCTAssertGreaterThan(cases.count, 100)
        for testCase in cases {
            XCTAssertEqual(tokenizer.encodeOrdinary(testCase.text), testCase.ids, testCase.text.debugDescription)
            XCTAssertSameBytes(tokenizer.decode(testCase.ids), testCase.text)
        }
    }

    func testGeneratedReferenceCasesPreTokenizeLikeTheRegex() throws {
        for testCase in try loadCases("regex-reference-cases.json") {
            let pieces = PreTokenizer.splitIntoStrings(testCase.text)
            XCTAssertEqual(pieces.map { Array($0.unicodeScalars) }, testCase.pieces?.map { Array($0.unicodeScalars) },
                           testCase.text.debugDescription)
        }
    }
}
