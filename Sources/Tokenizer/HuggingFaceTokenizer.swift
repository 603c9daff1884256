import Foundation

/// A tokenizer read from a Hugging Face `tokenizer.json`, producing exactly the ids and text of
/// the `tokenizers` library (`Tokenizer.from_file(path).encode(text, add_special_tokens=...)`).
///
/// The pipeline, as in the library: added tokens are cut out of the raw text first (those
/// with `normalized: false`), each remaining stretch is normalized, added tokens with
/// `normalized: true` are cut out of the normalized text, the pre-tokenizer splits the rest
/// into words, the model turns each word into ids, and the post-processor adds the template's
/// special tokens when asked. Decoding maps ids to token strings (skipping special tokens
/// when asked) and runs the decoder chain.
///
/// Supported components are listed in the README; any other component type, and any field
/// the reader does not understand where it changes the output, is a one-line error naming
/// the file and the JSON path.
public struct HuggingFaceTokenizer: Sendable {
    /// The file this was read from.
    public let path: String
    private let model: TokenizerModel
    private let normalizer: Normalizer?
    private let preTokenizer: PreTokenizerStep?
    private let postProcessor: PostProcessor?
    private let decoder: TokenDecoder?
    private let addedTokens: [AddedToken]
    private let addedByID: [Int: AddedToken]
    private let specialContents: Set<[UInt8]>
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher

    /// The file name inside a model directory.
    public static let fileName = "tokenizer.json"

    /// The `tokenizer.json` for `path`: the path itself if it is a file, `path/tokenizer.json`
    /// if it is a directory holding one, otherwise nil.
    public static func locate(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        if !isDirectory.boolValue { return path }
        let file = (path.hasSuffix("/") ? path : path + "/") + fileName
        return FileManager.default.fileExists(atPath: file) ? file : nil
    }

    /// Reads a `tokenizer.json` file, or the one inside a model directory.
    public init(path: String) throws(TokenizerError) {
        guard let file = Self.locate(path) else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                throw TokenizerError(path: path, problem: "directory has no \(Self.fileName)")
            }
            throw TokenizerError(path: path, problem: "file not found")
        }
        try self.init(json: try VocabularyFiles.readBytes(file), path: file)
    }

    /// Reads `tokenizer.json` content; `path` labels error messages.
    public init(json: [UInt8], path: String) throws(TokenizerError) {
        self.path = path
        let root = JSONField(node: try JSONNode.parse(json, path: path), file: path)
        _ = try root.members()
        model = try TokenizerModel.read(root.required("model"))
        normalizer = try root.optional("normalizer").map { f throws(TokenizerError) in try Normalizer.read(f) }
        preTokenizer = try root.optional("pre_tokenizer").map { f throws(TokenizerError) in try PreTokenizerStep.read(f) }
        postProcessor = try root.optional("post_processor").map { f throws(TokenizerError) in try PostProcessor.read(f) }
        decoder = try root.optional("decoder").map { f throws(TokenizerError) in try TokenDecoder.read(f) }

        var added: [AddedToken] = []
        for entry in try root.optional("added_tokens")?.elements() ?? [] {
            added.append(AddedToken(
                id: try entry.required("id").id(), content: try entry.required("content").string(),
                special: try entry.bool("special", default: false), singleWord: try entry.bool("single_word", default: false),
                leftStrip: try entry.bool("lstrip", default: false), rightStrip: try entry.bool("rstrip", default: false),
                normalized: try entry.bool("normalized", default: true)))
        }
        addedTokens = added
        var byID: [Int: AddedToken] = [:]
        for token in added { byID[token.id] = token }
        addedByID = byID
        specialContents = Set(added.filter(\.special).map { Array($0.content.utf8) })

        let raw = added.filter { !$0.normalized }
        rawMatcher = AddedTokenMatcher(tokens: raw, patterns: raw.map { Array($0.content.utf8) })
        let normalizedTokens = added.filter(\.normalized)
        let normalizer = self.normalizer
        normalizedMatcher = AddedTokenMatcher(tokens: normalizedTokens, patterns: normalizedTokens.map { token in
            var scalars = Array(token.content.unicodeScalars)
            normalizer?.apply(&scalars)
            return Array(ScalarText.string(scalars).utf8)
        })
    }

    /// One more than the largest id of the model or the added tokens.
    public var vocabularySize: Int {
        max(model.strings.spellings.count, (addedTokens.map(\.id).max() ?? -1) + 1)
    }

    /// The id of a token string (added tokens first, then the model's vocabulary), or nil.
    public func id(of token: String) -> Int? {
        if let added = addedTokens.first(where: { $0.content.utf8.elementsEqual(token.utf8) }) { return added.id }
        return model.strings.id(of: token)
    }

    /// The token string of `id`, or nil.
    public func token(_ id: Int) -> String? {
        addedByID[id]?.content ?? model.strings.spelling(of: id)
    }

    /// The special tokens' texts and ids (`added_tokens` with `special: true`).
    public var specialTokens: [(content: String, id: Int)] {
        addedTokens.filter(\.special).map { ($0.content, $0.id) }
    }

    /// Token ids for `text`. Added tokens in the text are always recognised;
    /// `addSpecialTokens` applies the post-processor's template (e.g. a leading BOS).
    public func encode(_ text: String, addSpecialTokens: Bool = false) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(text.utf8.count / 3 + 2)
        let bytes = Array(text.utf8)
        for span in rawMatcher.split(bytes) {
            if let id = span.id { ids.append(id); continue }
            if span.range.isEmpty { continue }
            var scalars = Array(String(decoding: bytes[span.range], as: UTF8.self).unicodeScalars)
            normalizer?.apply(&scalars)
            let atStart = span.range.lowerBound == 0
            if normalizedMatcher.isEmpty {
                encodeWords(TextPiece(scalars: scalars, atStart: atStart), into: &ids)
                continue
            }
            var normalized: [UInt8] = []
            normalized.reserveCapacity(scalars.count)
            for scalar in scalars { UTF8.encode(scalar) { normalized.append($0) } }
            let inners = normalizedMatcher.split(normalized)
            if inners.count == 1, inners[0].id == nil {
                encodeWords(TextPiece(scalars: scalars, atStart: atStart), into: &ids)
                continue
            }
            for inner in inners {
                if let id = inner.id { ids.append(id); continue }
                if inner.range.isEmpty { continue }
                let piece = Array(String(decoding: normalized[inner.range], as: UTF8.self).unicodeScalars)
                encodeWords(TextPiece(scalars: piece, atStart: atStart && inner.range.lowerBound == 0), into: &ids)
            }
        }
        if addSpecialTokens, let postProcessor { return postProcessor.apply(ids) }
        return ids
    }

    private func encodeWords(_ piece: TextPiece, into ids: inout [Int]) {
        if piece.scalars.isEmpty { return }
        guard let preTokenizer else {
            model.tokenize(piece.scalars, into: &ids)
            return
        }
        for word in preTokenizer.apply([piece]) { model.tokenize(word.scalars, into: &ids) }
    }

    /// The text for `ids`, as the library's `decode(ids, skip_special_tokens=...)`. Ids that
    /// are neither in the model nor added tokens are skipped, as the library does.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            guard let token = token(id) else { continue }
            if skipSpecialTokens, !specialContents.isEmpty, specialContents.contains(Array(token.utf8)) { continue }
            tokens.append(token)
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decode(tokens).joined()
    }
}
