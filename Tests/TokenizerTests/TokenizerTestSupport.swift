import Foundation
import XCTest
@testable import Tokenizer

/// Paths and a shared tokenizer for the tests. Everything is found relative to this source
/// file so the tests work from any working directory and in a fresh clone.
enum TokenizerTestSupport {
    /// The repository root: this file lives at `<root>/Tests/TokenizerTests/`.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The GPT-2 vocabulary shipped with the product (`encoder.json` + `vocab.bpe`).
    static let vocabularyDirectory = repositoryRoot.appendingPathComponent("tasks/gpt2-tokenizer").path

    static let fixturesDirectory = repositoryRoot.appendingPathComponent("Tests/Fixtures/gpt2-tokenizer")

    /// Loaded once; loading is what `LoadingTests` exercises, the other tests just need it.
    private static let loaded: Result<GPT2Tokenizer, TokenizerError> = Result {
        () throws(TokenizerError) -> GPT2Tokenizer in try GPT2Tokenizer(directory: vocabularyDirectory)
    }

    static func gpt2() throws -> GPT2Tokenizer {
        try loaded.get()
    }

    /// A fresh empty directory under the system temporary directory.
    static func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokenizer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Compares by scalars/bytes: Swift's `==` on String uses canonical equivalence, which would
/// hide a round trip that turned "e\u{301}" into "é".
func XCTAssertSameBytes(_ actual: String, _ expected: String, _ message: String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(Array(actual.utf8), Array(expected.utf8),
                   "\(message) got \(actual.debugDescription), expected \(expected.debugDescription)",
                   file: file, line: line)
}
