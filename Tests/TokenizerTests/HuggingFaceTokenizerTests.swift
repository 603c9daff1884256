import Foundation
import Kernels
import TestSupport
import XCTest
@testable import Tokenizer

/// The tokenizer.json reader beyond the parity fixtures: the GPT-2 fast path agrees with the
/// same vocabulary read as a tokenizer.json, decode(encode(s)) round-trips on random Unicode,
/// and bad files give one-line errors with the JSON path.
final class HuggingFaceTokenizerTests: XCTestCase {
    static func gpt2TokenizerJSON() throws -> [UInt8] {
        Array(try TestSupport.gpt2TokenizerJSON(vocabularyDirectory: TokenizerTestSupport.vocabularyDirectory).utf8)
    }

    /// Every GPT-2 reference text and every parity-fixture string: the fast GPT-2 tokenizer and
    /// the general reader give the same ids and the same text back.
    func testGPT2FastPathEqualsTheTokenizerJSONReader() throws {
        let fast = try TokenizerTestSupport.gpt2()
        let general = try HuggingFaceTokenizer(json: Self.gpt2TokenizerJSON(), path: "gpt2/tokenizer.json")
        struct CaseFile: Decodable { struct Case: Decodable { let text: String }; let cases: [Case] }
        var texts = try HuggingFaceParityTests.strings()
        for name in ["cases.json", "regex-reference-cases.json"] {
            let data = try Data(contentsOf: TokenizerTestSupport.fixturesDirectory.appendingPathComponent(name))
            texts += try JSONDecoder().decode(CaseFile.self, from: data).cases.map(\.text)
        }
        XCTAssertGreaterThan(texts.count, 2500)
        var differences = 0
        for text in texts {
            let ids = general.encode(text)
            if ids != fast.encode(text) {
                differences += 1
                if differences <= 5 { XCTFail("\(text.debugDescription): \(ids) != \(fast.encode(text))") }
            }
            XCTAssertSameBytes(general.decode(ids), fast.decode(ids))
        }
        XCTAssertEqual(differences, 0)
        XCTAssertEqual(general.id(of: "ĠMary"), fast.id(of: "ĠMary"))
        XCTAssertEqual(general.vocabularySize, fast.vocabularySize)
    }

    /// decode(encode(s)) gives back s, normalized as the tokenizer normalizes (NFC for Qwen2
    /// and Pythia), for random Unicode text, in every family whose pipeline loses nothing.
    func testRandomUnicodeRoundTrips() throws {
        let lossless: [(family: String, nfc: Bool)] = [("gpt2", false), ("llama3", false), ("qwen2", true),
                                                       ("pythia", true), ("llama2", false), ("gemma", false)]
        var generator = SplitMix64(seed: 0x70C_17)
        var texts: [String] = []
        for _ in 0..<400 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...24, using: &generator) {
                let ranges: [ClosedRange<UInt32>] = [0x0...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFD,
                                                     0x10000...0x10FFFF, 0x20...0x7E, 0x20...0x20]
                if let scalar = Unicode.Scalar(UInt32.random(in: ranges.randomElement(using: &generator)!, using: &generator)) {
                    text.append(scalar)
                }
            }
            texts.append(String(text))
        }
        for (family, nfc) in lossless {
            let tokenizer = try HuggingFaceParityTests.tokenizer(family)
            for text in texts {
                let expected = nfc ? text.precomposedStringWithCanonicalMapping : text
                let ids = tokenizer.encode(text)
                XCTAssertSameBytes(tokenizer.decode(ids), expected, family)
                XCTAssertTrue(ids.allSatisfy { $0 >= 0 && $0 < tokenizer.vocabularySize }, family)
            }
        }
    }

    private func loadError(_ json: String) -> String {
        do {
            _ = try HuggingFaceTokenizer(json: Array(json.utf8), path: "/models/x/tokenizer.json")
            return "loaded"
        } catch {
            return error.description
        }
    }

    private static let minimalModel = #""model":{"type":"WordLevel","vocab":{"<unk>":0,"a":1},"unk_token":"<unk>"}"#

    func testUnsupportedComponentNamesTheTypeAndTheFile() {
        let message = loadError(#"{"normalizer":{"type":"Precompiled","precompiled_charsmap":"AA=="},"# + Self.minimalModel + "}")
        XCTAssertEqual(message, #"/models/x/tokenizer.json: at normalizer: unsupported normalizer type "Precompiled""#)
        XCTAssertTrue(loadError(#"{"pre_tokenizer":{"type":"Split","pattern":{"Regex":"(?<=a)b"},"behavior":"Isolated","invert":false},"#
                                + Self.minimalModel + "}")
            .hasSuffix(#"at pre_tokenizer.pattern.Regex: unsupported Split pre-tokenizer regex "(?<=a)b": look-behind is not supported"#))
        XCTAssertTrue(loadError(#"{"decoder":{"type":"CTC"},"# + Self.minimalModel + "}")
            .hasSuffix(#"at decoder: unsupported decoder type "CTC""#))
        XCTAssertTrue(loadError(#"{"model":{"type":"WordPiece","vocab":{}}}"#).hasSuffix(#"at model: unsupported model type "WordPiece""#))
    }

    func testMalformedFileNamesTheJSONPath() {
        XCTAssertEqual(loadError(#"{"model":{"type":"BPE","vocab":{"a":0,"b":1},"merges":[["a","c"]]}}"#),
                       #"/models/x/tokenizer.json: at model.merges[0]: merge token "c" is not in model.vocab"#)
        XCTAssertEqual(loadError(#"{"model":{"type":"BPE","vocab":{"a":"zero"},"merges":[]}}"#),
                       #"/models/x/tokenizer.json: at model.vocab["a"]: expected an integer"#)
        XCTAssertEqual(loadError(#"{"added_tokens":[{"id":5}],"# + Self.minimalModel + "}"),
                       #"/models/x/tokenizer.json: at added_tokens[0]: missing "content""#)
        XCTAssertEqual(loadError(#"{"normalizer":{"kind":"NFC"},"# + Self.minimalModel + "}"),
                       #"/models/x/tokenizer.json: at normalizer: missing "type""#)
        XCTAssertTrue(loadError(#"{"model": {"type": "BPE""#).hasPrefix("/models/x/tokenizer.json: malformed JSON at end of file"))
        XCTAssertEqual(loadError("{}"), #"/models/x/tokenizer.json: at top level: missing "model""#)
    }

    func testModelDirectoryIsLocated() throws {
        let directory = HuggingFaceParityTests.directory.appendingPathComponent("gpt2").path
        XCTAssertEqual(try HuggingFaceTokenizer(path: directory).path, directory + "/tokenizer.json")
        XCTAssertThrowsError(try HuggingFaceTokenizer(path: TokenizerTestSupport.vocabularyDirectory)) { error in
            XCTAssertTrue("\(error)".hasSuffix("directory has no tokenizer.json"))
        }
    }

    /// The Llama-3 pattern with `(?i:...)` contractions lets `'ſ` match `'s` (Oniguruma case
    /// folding); the spelled-out `'[sS]` variant does not. Expected pieces are the library's
    /// `pre_tokenizers.Split(Regex(pattern), "isolated").pre_tokenize_str`.
    func testSplitRegexContractionVariants() throws {
        func pieces(_ pattern: String, _ text: String) throws -> [String] {
            let regex = try XCTUnwrap(SplitRegex(pattern: pattern))
            let scalars = Array(text.unicodeScalars)
            return regex.matches(in: scalars).map { ScalarText.string(scalars[$0]) }
        }
        let folded = SplitRegex.llama3Pattern
        let ascii = SplitRegex.asciiContractions + folded.dropFirst(SplitRegex.foldedContractions.count)
        XCTAssertEqual(try pieces(folded, "'ſſ"), ["'ſ", "ſ"])
        XCTAssertEqual(try pieces(ascii, "'ſſ"), ["'ſſ"])
        XCTAssertEqual(try pieces(ascii, "it'S 12345 x"), ["it", "'S", " ", "123", "45", " x"])
        XCTAssertNil(SplitRegex(pattern: #"\d+"#))
    }

    /// Regexes with no hand-written scanner (BLOOM's, GPT-4o's, a DeepSeek-style one, one per
    /// construct), run by the general matcher as a `Split` (isolated): the library's pieces on
    /// the first 800 fixture strings (`split-regex.json`).
    func testGeneralRegexMatchesTheLibrary() throws {
        struct Replacement: Decodable { let pattern: String; let content: String; let outputs: [String?] }
        struct Cases: Decodable { let patterns: [String]; let strings: Int; let ends: [[[Int]]]; let replace: [Replacement] }
        let data = try Data(contentsOf: HuggingFaceParityTests.directory.appendingPathComponent("split-regex.json"))
        let cases = try JSONDecoder().decode(Cases.self, from: data)
        let strings = Array(try HuggingFaceParityTests.strings().prefix(cases.strings))
        XCTAssertGreaterThanOrEqual(cases.patterns.count, 10)
        for (pattern, expected) in zip(cases.patterns, cases.ends) {
            let split = SplitPattern.regex(.program(try RegexProgram(pattern)))
            var differences = 0
            for (text, ends) in zip(strings, expected) {
                let spans = split.spans(in: Array(text.unicodeScalars)).filter { !$0.range.isEmpty }
                if spans.map(\.range.upperBound) != ends {
                    differences += 1
                    if differences <= 3 { XCTFail("\(pattern) on \(text.debugDescription): \(spans.map(\.range)) vs ends \(ends)") }
                }
            }
            XCTAssertEqual(differences, 0, pattern)
        }
        // The Replace normalizer with a regex: the library's normalize_str.
        XCTAssertGreaterThanOrEqual(cases.replace.count, 5)
        for replacement in cases.replace {
            let normalizer = Normalizer.replace(ReplaceRule(pattern: .regex(try RegexProgram(replacement.pattern)),
                                                            content: Array(replacement.content.unicodeScalars)))
            var differences = 0
            for (text, expected) in zip(strings, replacement.outputs) {
                var scalars = Array(text.unicodeScalars)
                normalizer.apply(&scalars)
                if scalars != Array((expected ?? text).unicodeScalars) { differences += 1 }
            }
            XCTAssertEqual(differences, 0, "Replace \(replacement.pattern)")
        }
    }

    /// A repeated group over a long text recurses once per iteration; it must not overflow
    /// the stack.
    func testRepeatedGroupOnLongTextDoesNotOverflow() throws {
        let program = try RegexProgram("(?:ab)+|c")
        let text = Array(String(repeating: "ab", count: 200_000).unicodeScalars) + ["c"]
        XCTAssertEqual(program.matches(in: text), [0..<400_000, 400_000..<400_001])
    }

    /// The general regex matcher finds exactly the pieces of the hand-written scanners (GPT-2,
    /// Llama-3, Qwen2, Whitespace) on every fixture string.
    func testRegexMatcherAgreesWithTheScanners() throws {
        let strings = try HuggingFaceParityTests.strings()
        for pattern in [SplitRegex.gpt2Pattern, SplitRegex.llama3Pattern, SplitRegex.qwen2Pattern, SplitRegex.wordsPattern] {
            let scanner = try XCTUnwrap(SplitRegex(pattern: pattern))
            let program = try RegexProgram(pattern)
            var differences = 0
            for text in strings {
                let scalars = Array(text.unicodeScalars)
                if program.matches(in: scalars) != scanner.matches(in: scalars) {
                    differences += 1
                    if differences <= 3 { XCTFail("\(pattern) on \(text.debugDescription)") }
                }
            }
            XCTAssertEqual(differences, 0, pattern)
        }
    }

    /// Each normalizer alone (NFC/NFD/NFKC/NFKD, Lowercase, StripAccents, BertNormalizer in
    /// three configurations, a sequence) gives the library's `normalize_str` on every fixture
    /// string (`normalizers.json`).
    func testNormalizersMatchTheLibraryOnEveryString() throws {
        let path = HuggingFaceParityTests.directory.appendingPathComponent("normalizers.json").path
        let root = JSONField(node: try JSONNode.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))), path: path), file: path)
        let strings = try HuggingFaceParityTests.strings()
        let cases = try root.elements()
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        for entry in cases {
            let normalizer = try Normalizer.read(entry.required("normalizer"))
            let outputs = try entry.required("outputs").elements()
            XCTAssertEqual(outputs.count, strings.count)
            var differences = 0
            for (text, output) in zip(strings, outputs) {
                let expected = output.isNull ? text : try output.string()
                var scalars = Array(text.unicodeScalars)
                normalizer.apply(&scalars)
                if scalars != Array(expected.unicodeScalars) {
                    differences += 1
                    if differences <= 3 {
                        XCTFail("\(normalizer): \(text.debugDescription) -> \(ScalarText.string(scalars).debugDescription), expected \(expected.debugDescription)")
                    }
                }
            }
            XCTAssertEqual(differences, 0, "\(normalizer)")
        }
    }

    /// Unicode normalization through Foundation agrees with the library (values from
    /// `tokenizers.normalizers.NFC/NFD/NFKC/NFKD().normalize_str`).
    func testNormalizationFormsMatchTheLibrary() {
        func apply(_ normalizer: Normalizer, _ text: String) -> [UInt32] {
            var scalars = Array(text.unicodeScalars)
            normalizer.apply(&scalars)
            return scalars.map(\.value)
        }
        XCTAssertEqual(apply(.nfc, "e\u{301}\u{212B}"), [0xE9, 0xC5])
        XCTAssertEqual(apply(.nfd, "é"), [0x65, 0x301])
        XCTAssertEqual(apply(.nfkc, "ﬁ①Ｈ"), [0x66, 0x69, 0x31, 0x48])
        XCTAssertEqual(apply(.nfkd, "ǅ"), [0x44, 0x7A, 0x30C])
        XCTAssertEqual(apply(.lowercase, "ΟΔΟΣ İ"), [0x3BF, 0x3B4, 0x3BF, 0x3C3, 0x20, 0x69, 0x307])
    }
}
