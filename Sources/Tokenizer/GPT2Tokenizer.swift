/// GPT-2's byte-level BPE tokenizer, bit-for-bit compatible with OpenAI's reference encoder,
/// Hugging Face `GPT2Tokenizer` and tiktoken's `gpt2` encoding.
///
/// Encoding: split the text with GPT-2's pre-tokenization regex (see `PreTokenizer`), spell
/// each piece's UTF-8 bytes in the byte-level alphabet, merge by rank (see `BPEMergeTable`).
///
/// Special tokens: `encode` maps every literal occurrence of `<|endoftext|>` in the text to
/// its id (50256), like tiktoken with `allowed_special="all"` and Hugging Face's fast
/// tokenizer; `encodeOrdinary` treats it as plain text (seven ordinary tokens), like
/// OpenAI's reference encoder and tiktoken's `encode_ordinary`.
public struct GPT2Tokenizer: Sendable {
    /// The id of `<|endoftext|>` in GPT-2's vocabulary.
    public static let endOfText = 50256
    /// The text of the end-of-text special token.
    public static let endOfTextText = "<|endoftext|>"

    private let vocabulary: Vocabulary
    private let cache = WordCache<[UInt8]>()
    /// The vocabulary's id for `<|endoftext|>`, if it has one.
    private let endOfTextID: Int?

    /// Loads `vocab.json` + `merges.txt` (Hugging Face) or, failing that,
    /// `encoder.json` + `vocab.bpe` (OpenAI) from `directory`.
    public init(directory: String) throws(TokenizerError) {
        let files = try VocabularyFiles.locate(in: directory)
        try self.init(encoderJSON: files.encoder, bpeMerges: files.merges)
    }

    /// Loads from explicit paths to the token -> id JSON file and the merges file.
    public init(encoderJSON: String, bpeMerges: String) throws(TokenizerError) {
        vocabulary = try Vocabulary(encoderPath: encoderJSON, mergesPath: bpeMerges)
        endOfTextID = vocabulary.lookup.id(of: ArraySlice(Self.endOfTextText.utf8))
    }

    /// One more than the largest id in the vocabulary (50257 for GPT-2).
    public var vocabularySize: Int { vocabulary.size }

    /// The raw vocabulary string for `id` (byte-level alphabet, e.g. `"ĠMary"`), or nil.
    public func token(_ id: Int) -> String? {
        vocabulary.spelling(of: id)
    }

    /// The id of a raw vocabulary string (e.g. `"ĠMary"` -> 5335), or nil.
    public func id(of token: String) -> Int? {
        vocabulary.lookup.id(of: ArraySlice(token.utf8))
    }

    /// Token ids for `text`; literal `<|endoftext|>` becomes `endOfText`.
    public func encode(_ text: String) -> [Int] {
        guard let endOfTextID else { return encodeOrdinary(text) }
        var ids: [Int] = []
        for segment in SpecialTokenSplitter.split(text, around: Self.endOfTextText) {
            switch segment {
            case .text(let plain): ids += encodeOrdinary(plain)
            case .special: ids.append(endOfTextID)
            }
        }
        return ids
    }

    /// Token ids for `text` with no special-token handling: `<|endoftext|>` is just text.
    public func encodeOrdinary(_ text: String) -> [Int] {
        let pieces = PreTokenizer.split(text)
        var ids: [Int] = []
        ids.reserveCapacity(pieces.utf8.count / 3)
        for range in pieces.ranges {
            let word = pieces.utf8[range]
            if word.count == 1 {
                ids.append(Int(vocabulary.byteTokenIDs[Int(word.first!)]))
                continue
            }
            let merged = cache.ids(for: Array(word), length: word.count) {
                vocabulary.merges.apply(to: word.map { vocabulary.byteTokenIDs[Int($0)] })
            }
            for id in merged { ids.append(Int(id)) }
        }
        return ids
    }

    /// The text for `ids`. Byte sequences that are not valid UTF-8 (for example half of a
    /// multi-byte character) become U+FFFD, like Hugging Face's `errors="replace"`; an id
    /// outside the vocabulary also decodes to U+FFFD rather than trapping.
    public func decode(_ ids: [Int]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }

    /// The raw bytes for `ids`, before UTF-8 decoding; unknown ids contribute U+FFFD's bytes.
    public func decodeBytes(_ ids: [Int]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            if let tokenBytes = vocabulary.bytes(of: id) {
                bytes += tokenBytes
            } else {
                bytes += [0xEF, 0xBF, 0xBD]
            }
        }
        return bytes
    }
}
