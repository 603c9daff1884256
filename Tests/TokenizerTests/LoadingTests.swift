import Foundation
import XCTest
@testable import Tokenizer

/// Loading from both file layouts, and one-line errors that name the file for bad input.
final class LoadingTests: XCTestCase {
    private var encoderPath: String { TokenizerTestSupport.vocabularyDirectory + "/encoder.json" }
    private var mergesPath: String { TokenizerTestSupport.vocabularyDirectory + "/vocab.bpe" }

    private func assertLoadError(_ load: () throws -> GPT2Tokenizer, mentions fragments: [String],
                                 file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try load()
            XCTFail("expected a TokenizerError", file: file, line: line)
        } catch let error as TokenizerError {
            let message = error.description
            XCTAssertFalse(message.contains("\n"), "message must be one line: \(message)", file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(message.contains(fragment), "\"\(message)\" should mention \(fragment)", file: file, line: line)
            }
        } catch {
            XCTFail("expected a TokenizerError, got \(error)", file: file, line: line)
        }
    }

    private func directory(encoder: String, encoderContents: Data, merges: String, mergesContents: Data) throws -> URL {
        let directory = try TokenizerTestSupport.makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        try encoderContents.write(to: directory.appendingPathComponent(encoder))
        try mergesContents.write(to: directory.appendingPathComponent(merges))
        return directory
    }

    func testLoadsOpenAILayoutFromExplicitPaths() throws {
        let tokenizer = try GPT2Tokenizer(encoderJSON: encoderPath, bpeMerges: mergesPath)
        XCTAssertEqual(tokenizer.vocabularySize, 50257)
        XCTAssertEqual(tokenizer.encode(" Mary"), [5335])
    }

    func testLoadsHuggingFaceLayoutFromDirectory() throws {
        let directory = try directory(encoder: "vocab.json", encoderContents: try Data(contentsOf: URL(fileURLWithPath: encoderPath)),
                                      merges: "merges.txt", mergesContents: try Data(contentsOf: URL(fileURLWithPath: mergesPath)))
        let tokenizer = try GPT2Tokenizer(directory: directory.path)
        XCTAssertEqual(tokenizer.encode("Hello world"), [15496, 995])
    }

    func testLoadingTheGPT2VocabularyIsFast() throws {
        // The release-build budget is 0.2 s; debug builds are several times slower, so this
        // only guards against an accidental blow-up (e.g. quadratic parsing).
        let start = Date()
        _ = try GPT2Tokenizer(directory: TokenizerTestSupport.vocabularyDirectory)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testMissingDirectory() {
        assertLoadError({ try GPT2Tokenizer(directory: "/nonexistent/gpt2-tokenizer") },
                        mentions: ["/nonexistent/gpt2-tokenizer", "not found"])
    }

    func testDirectoryWithoutVocabularyFiles() throws {
        let directory = try TokenizerTestSupport.makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        assertLoadError({ try GPT2Tokenizer(directory: directory.path) },
                        mentions: [directory.path, "encoder.json", "vocab.json"])
    }

    func testDirectoryWithOnlyEncoderNamesTheMissingMergesFile() throws {
        let directory = try TokenizerTestSupport.makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        try Data("{}".utf8).write(to: directory.appendingPathComponent("encoder.json"))
        assertLoadError({ try GPT2Tokenizer(directory: directory.path) }, mentions: ["vocab.bpe", "not found"])
    }

    func testMissingFileGivenExplicitly() {
        assertLoadError({ try GPT2Tokenizer(encoderJSON: "/nonexistent/encoder.json", bpeMerges: self.mergesPath) },
                        mentions: ["/nonexistent/encoder.json", "not found"])
    }

    func testCorruptEncoderJSON() throws {
        let full = try Data(contentsOf: URL(fileURLWithPath: encoderPath))
        let directory = try directory(encoder: "encoder.json", encoderContents: full.prefix(5000),
                                      merges: "vocab.bpe", mergesContents: try Data(contentsOf: URL(fileURLWithPath: mergesPath)))
        assertLoadError({ try GPT2Tokenizer(directory: directory.path) }, mentions: ["encoder.json", "malformed JSON"])
    }

    func testEncoderJSONWithNonIntegerValue() throws {
        let directory = try directory(encoder: "encoder.json", encoderContents: Data(#"{"a": "zero"}"#.utf8),
                                      merges: "vocab.bpe", mergesContents: Data())
        assertLoadError({ try GPT2Tokenizer(directory: directory.path) }, mentions: ["encoder.json", "\"a\"", "integer"])
    }

    func testEncoderMissingByteTokens() throws {
        let directory = try directory(encoder: "encoder.json", encoderContents: Data(#"{"a": 0}"#.utf8),
                                      merges: "vocab.bpe", mergesContents: Data())
        assertLoadError({ try GPT2Tokenizer(directory: directory.path) }, mentions: ["encoder.json", "single-byte token"])
    }

    func testBadMergesLine() throws {
        let encoder = try Data(contentsOf: URL(fileURLWithPath: encoderPath))
        let directory = try directory(encoder: "encoder.json", encoderContents: encoder,
                                      merges: "vocab.bpe", mergesContents: Data("#version: 0.2\nĠ t\nthree parts here\n".utf8))
        assertLoadError({ try GPT2Tokenizer(directory: directory.path) }, mentions: ["vocab.bpe", "line 3"])
    }

    func testMergeOfUnknownToken() throws {
        let encoder = try Data(contentsOf: URL(fileURLWithPath: encoderPath))
        let directory = try directory(encoder: "encoder.json", encoderContents: encoder,
                                      merges: "vocab.bpe", mergesContents: Data("#version: 0.2\nĠ t\nqqqqqqq zzzzzzz\n".utf8))
        assertLoadError({ try GPT2Tokenizer(directory: directory.path) }, mentions: ["vocab.bpe", "line 3", "qqqqqqq"])
    }
}
