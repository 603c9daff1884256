import Kernels
import XCTest
@testable import Tokenizer

/// decode(encode(s)) must give back s byte for byte, for any text: byte-level BPE loses
/// nothing. Checked on many pseudo-random strings from a fixed seed, so failures reproduce.
final class RoundTripPropertyTests: XCTestCase {
    /// Fragment families the generator draws from, chosen to hit every branch of the
    /// pre-tokenizer and multi-byte BPE paths.
    private static let families: [[String]] = [
        ["the", "Hello", "WORLD", "a", "x", "Mary", "supercalifragilistic"],                 // ASCII letters
        [" ", "  ", "    ", "\t", "\n", "\n\n", "\r\n", "\u{A0}", "\u{3000}", "\u{2028}", "\u{85}"],  // whitespace runs
        ["0", "7", "2023", "3.14159", "1,000", "\u{663}\u{664}", "\u{BD}", "\u{216B}"],     // digits / numbers
        [".", ",", "!", "?", "'", "\"", "...", "-->", "(", ")", "$", "\\", "<|endoftext|>"],  // punctuation
        ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "’s"],                          // contractions
        ["café", "naïve", "résumé", "e\u{301}", "Ελληνικά", "Привет", "Ångström"],          // accented letters
        ["東京", "日本語", "한국어", "中文字符", "こんにちは"],                                    // CJK
        ["😀", "🤖", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️"],                                              // emoji
        ["\u{301}", "\u{308}", "\u{20DD}", "\u{200D}", "\u{FE0F}"],                          // combining marks
        ["\u{0}", "\u{1}", "\u{1C}", "\u{7F}", "\u{AD}", "\u{200B}"],                        // controls / invisibles
    ]

    private func randomText(using generator: inout SplitMix64) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...16, using: &generator) {
            if Bool.random(using: &generator) {
                // A random scalar from a random plane slice, to reach beyond the fragments.
                let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0xA0...0x24F, 0x370...0x52F, 0x4E00...0x9FFF, 0x1F300...0x1FAFF]
                let range = ranges.randomElement(using: &generator)!
                if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &generator)) {
                    text.unicodeScalars.append(scalar)
                }
            } else {
                text += Self.families.randomElement(using: &generator)!.randomElement(using: &generator)!
            }
        }
        return text
    }

    func testRandomTextsRoundTripExactly() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        var generator = SplitMix64(seed: 0xACDC_2024)
        for iteration in 0..<2_000 {
            let text = randomText(using: &generator)
            let ids = tokenizer.encode(text)
            XCTAssertSameBytes(tokenizer.decode(ids), text, "encode iteration \(iteration)")
            XCTAssertTrue(ids.allSatisfy { $0 >= 0 && $0 < tokenizer.vocabularySize })
            let ordinary = tokenizer.encodeOrdinary(text)
            XCTAssertSameBytes(tokenizer.decode(ordinary), text, "encodeOrdinary iteration \(iteration)")
        }
    }

    func testPreTokenPiecesCoverTheTextInOrder() throws {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let text = randomText(using: &generator)
            XCTAssertSameBytes(PreTokenizer.splitIntoStrings(text).joined(), text)
        }
    }

    func testEncodingIsStableAcrossCacheHits() throws {
        // The second pass is served from the per-word cache and must agree with the first.
        let tokenizer = try TokenizerTestSupport.gpt2()
        var generator = SplitMix64(seed: 99)
        let texts = (0..<200).map { _ in randomText(using: &generator) }
        let first = texts.map(tokenizer.encode)
        let second = texts.map(tokenizer.encode)
        XCTAssertEqual(first, second)
    }
}
