/// What the tasks and the CLI need from a tokenizer, whichever file format it came from.
public protocol TextTokenizer: Sendable {
    /// Ids for `text` without the template's special tokens (no BOS/EOS added); special
    /// tokens written in the text are still recognised.
    func encodeOrdinary(_ text: String) -> [Int]
    /// Ids for `text`, with the template's special tokens when `addSpecialTokens`.
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int]
    /// The text of `ids`, optionally without special tokens.
    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String
    /// The id of a vocabulary string, or nil.
    func id(of token: String) -> Int?
    var vocabularySize: Int { get }
}

extension HuggingFaceTokenizer: TextTokenizer {
    public func encodeOrdinary(_ text: String) -> [Int] { encode(text, addSpecialTokens: false) }
}

/// GPT-2 has no template: `<|endoftext|>` in the text is recognised, nothing is added.
extension GPT2Tokenizer: TextTokenizer {
    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int] { encode(text) }

    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        guard skipSpecialTokens, let special = id(of: Self.endOfTextText) else { return decode(ids) }
        return decode(ids.filter { $0 != special })
    }
}

/// Finding a model's tokenizer.
public enum TokenizerFiles {
    /// The tokenizer for `path`: a `tokenizer.json` file, a directory holding one, or a
    /// directory holding GPT-2-style `vocab.json` + `merges.txt` (or `encoder.json` + `vocab.bpe`).
    public static func load(_ path: String) throws(TokenizerError) -> any TextTokenizer {
        if HuggingFaceTokenizer.locate(path) != nil { return try HuggingFaceTokenizer(path: path) }
        do {
            return try GPT2Tokenizer(directory: path)
        } catch {
            throw TokenizerError(path: path, problem: "no tokenizer.json, and \(error.problem)")
        }
    }

    /// Whether `directory` holds a `tokenizer.json`.
    public static func hasTokenizerJSON(_ directory: String) -> Bool {
        HuggingFaceTokenizer.locate(directory).map { $0 != directory } ?? false
    }
}
