import Foundation
import XCTest

/// `acdc tokenize` on every tokenizer.json parity fixture: the library's ids with special
/// tokens, and its decode of them, for the first `count` test strings (the library-level
/// parity tests check all of them; this checks the command's reading and writing).
final class TokenizeCommandTests: XCTestCase {
    private static let directory = ACDCProcess.fixture("hf-tokenizers")

    /// One line of expected.jsonl: [ids, ids with special tokens or null, decode or null, ...].
    private struct Row: Decodable {
        var plain: [Int]
        var special: [Int]?
        var decoded: String?
        init(from decoder: Decoder) throws {
            var row = try decoder.unkeyedContainer()
            plain = try row.decode([Int].self)
            special = try row.decodeIfPresent([Int].self)
            decoded = try row.decodeIfPresent(String.self)
        }
    }

    private func jsonLines(_ values: [Any]) throws -> String {
        try values.map { value in
            String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
    }

    func testEveryFixtureEncodesAndDecodesLikeTheLibrary() throws {
        let count = 800
        let strings = Array(try JSONDecoder().decode([String].self, from: Data(contentsOf: URL(fileURLWithPath: Self.directory + "/strings.json"))).prefix(count))
        let families = try FileManager.default.contentsOfDirectory(atPath: Self.directory)
            .filter { FileManager.default.fileExists(atPath: Self.directory + "/\($0)/tokenizer.json") }.sorted()
        XCTAssertEqual(families.count, 14)
        for family in families {
            let rows = try String(contentsOfFile: Self.directory + "/\(family)/expected.jsonl", encoding: .utf8)
                .split(separator: "\n").prefix(count).map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
            let expectedIDs = rows.map { $0.special ?? $0.plain }
            let expectedText = zip(rows, strings).map { row, text in row.decoded ?? text }

            let encoded = try ACDCProcess.run(["tokenize", "--tokenizer", Self.directory + "/" + family, "--add-special-tokens"],
                                              stdin: try jsonLines(strings))
            XCTAssertTrue(encoded.exitedCleanly, "\(family): \(encoded.stderr)")
            let ids = encoded.stdout.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [Int] }
            XCTAssertEqual(ids.count, strings.count, family)
            XCTAssertEqual(zip(ids, expectedIDs).filter { $0 != $1 }.count, 0, "\(family): ids differ")

            let decoded = try ACDCProcess.run(["tokenize", "--tokenizer", Self.directory + "/\(family)/tokenizer.json", "--decode"],
                                              stdin: try jsonLines(expectedIDs))
            XCTAssertTrue(decoded.exitedCleanly, "\(family): \(decoded.stderr)")
            // Split on the byte, not on Characters ("\n" followed by a combining mark is one Character).
            let texts = Array(decoded.stdout.utf8).split(separator: UInt8(ascii: "\n")).map {
                try? JSONDecoder().decode(String.self, from: Data($0))
            }
            XCTAssertEqual(texts.count, strings.count, family)
            let differing = zip(texts, expectedText).filter { $0.map { Array($0.utf8) } != Array($1.utf8) }.count
            XCTAssertEqual(differing, 0, "\(family): decodes differ")
        }
    }

    func testBadInputIsAOneLineError() throws {
        ACDCProcess.assertRefused(try ACDCProcess.run(["tokenize", "--tokenizer", Self.directory + "/gpt2"], stdin: "not json\n"),
                                  mentioning: ["stdin line 1"])
        ACDCProcess.assertRefused(try ACDCProcess.run(["tokenize", "--tokenizer", "/no/such/dir"], stdin: "\"x\"\n"),
                                  mentioning: ["/no/such/dir"])
        ACDCProcess.assertRefused(try ACDCProcess.run(["tokenize", "--tokenizer", Self.directory + "/gpt2", "--decode"],
                                                      stdin: "[1, \"a\"]\n"),
                                  mentioning: ["stdin line 1", "integer ids"])
    }
}
