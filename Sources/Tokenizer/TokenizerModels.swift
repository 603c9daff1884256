import Foundation

/// A model's token strings, looked up by exact UTF-8 bytes in both directions.
struct TokenStrings: Sendable {
    let table: TokenTable
    /// `spellings[id]` is the token's text, or nil for an id the model does not define.
    let spellings: [String?]
    /// Ids of single-scalar tokens below `directLimit`, -1 where none; others in `otherScalars`.
    private let directScalars: [Int32]
    private let otherScalars: [UInt32: Int32]
    private static let directLimit: UInt32 = 0x3000

    init(_ tokens: [(text: String, id: Int)]) {
        var text: [UInt8] = []
        var entries: [VocabularyJSONParser.Entry] = []
        entries.reserveCapacity(tokens.count)
        var size = 0
        for token in tokens {
            let start = text.count
            text.append(contentsOf: token.text.utf8)
            entries.append(VocabularyJSONParser.Entry(textRange: start..<text.count, id: token.id))
            size = max(size, token.id + 1)
        }
        table = TokenTable(text: text, entries: entries)
        var spellings = [String?](repeating: nil, count: size)
        var direct = [Int32](repeating: -1, count: Int(Self.directLimit))
        var other: [UInt32: Int32] = [:]
        for token in tokens {
            spellings[token.id] = token.text
            var scalars = token.text.unicodeScalars.makeIterator()
            if let scalar = scalars.next(), scalars.next() == nil {
                // A repeated token keeps the later id, like the table.
                if scalar.value < Self.directLimit { direct[Int(scalar.value)] = Int32(token.id) } else {
                    other[scalar.value] = Int32(token.id)
                }
            }
        }
        self.spellings = spellings
        directScalars = direct
        otherScalars = other
    }

    func id(of text: String) -> Int? {
        var text = text
        return text.withUTF8 { buffer in table.id(of: ArraySlice(buffer)) }
    }

    func id(ofScalar scalar: Unicode.Scalar) -> Int32? {
        if scalar.value < Self.directLimit {
            let id = directScalars[Int(scalar.value)]
            return id >= 0 ? id : nil
        }
        return otherScalars[scalar.value]
    }

    func id(ofUTF8 bytes: ArraySlice<UInt8>) -> Int? { table.id(of: bytes) }

    func spelling(of id: Int) -> String? {
        id >= 0 && id < spellings.count ? spellings[id] : nil
    }
}

/// A `tokenizer.json` model: turns one pre-tokenized piece into ids.
enum TokenizerModel: Sendable {
    case bpe(BPEModel)
    case wordLevel(WordLevelModel)
    case unigram(UnigramModel)

    var strings: TokenStrings {
        switch self {
        case .bpe(let model): return model.strings
        case .wordLevel(let model): return model.strings
        case .unigram(let model): return model.strings
        }
    }

    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        switch self {
        case .bpe(let model): model.tokenize(word, into: &ids)
        case .wordLevel(let model): model.tokenize(word, into: &ids)
        case .unigram(let model): model.tokenize(word, into: &ids)
        }
    }

    static func read(_ field: JSONField) throws(TokenizerError) -> TokenizerModel {
        // Older files may omit the model type; the library then infers it from the fields.
        let type: String
        if let typeField = try field.optional("type") {
            type = try typeField.string()
        } else if try field.optional("merges") != nil {
            type = "BPE"
        } else if case .array = try field.required("vocab").node {
            type = "Unigram"
        } else {
            type = "WordLevel"
        }
        switch type {
        case "BPE": return .bpe(try BPEModel(field))
        case "WordLevel": return .wordLevel(try WordLevelModel(field))
        case "Unigram": return .unigram(try UnigramModel(field))
        default: throw field.error("unsupported model type \"\(type)\"")
        }
    }

    /// A `{"token": id, ...}` vocabulary object.
    static func readVocabulary(_ field: JSONField) throws(TokenizerError) -> [(text: String, id: Int)] {
        var tokens: [(text: String, id: Int)] = []
        let members = try field.members()
        tokens.reserveCapacity(members.count)
        for member in members { tokens.append((member.key, try member.value.id())) }
        return tokens
    }
}

/// Byte-pair encoding, byte-level (GPT-2 family) or SentencePiece-style (`byte_fallback`,
/// `<0xNN>` tokens, `fuse_unk`), with the library's merge order: the lowest-ranked adjacent
/// pair first, leftmost among equals.
struct BPEModel: Sendable {
    let strings: TokenStrings
    let merges: BPEMergeTable
    let unknownID: Int32?
    let fuseUnknown: Bool
    /// `byteFallbackIDs[b]` is the id of `<0xBB>`, when `byte_fallback` is on.
    let byteFallbackIDs: [Int32]?
    let ignoreMerges: Bool
    let continuingSubwordPrefix: String?
    let endOfWordSuffix: String?
    private let cache = WordCache<[Unicode.Scalar]>()

    init(_ field: JSONField) throws(TokenizerError) {
        if let dropout = try field.optional("dropout"), try dropout.double() != 0 {
            throw dropout.error("unsupported BPE dropout (tokenization would not be deterministic)")
        }
        let vocabulary = try TokenizerModel.readVocabulary(field.required("vocab"))
        strings = TokenStrings(vocabulary)
        // An empty prefix or suffix (GPT-2's file has both) is the same as none.
        continuingSubwordPrefix = try field.optional("continuing_subword_prefix")?.string().nilIfEmpty
        endOfWordSuffix = try field.optional("end_of_word_suffix")?.string().nilIfEmpty
        fuseUnknown = try field.bool("fuse_unk", default: false)
        ignoreMerges = try field.bool("ignore_merges", default: false)
        if let unknown = try field.optional("unk_token") {
            guard let id = strings.id(of: try unknown.string()) else {
                throw unknown.error("unk_token \(try unknown.string().debugDescription) is not in model.vocab")
            }
            unknownID = Int32(id)
        } else {
            unknownID = nil
        }
        if try field.bool("byte_fallback", default: false) {
            var ids: [Int32] = []
            for byte in 0..<256 {
                ids.append(strings.id(of: Self.byteTokenName(UInt8(byte))).map(Int32.init) ?? -1)
            }
            byteFallbackIDs = ids
        } else {
            byteFallbackIDs = nil
        }

        var table = BPEMergeTable()
        let prefixLength = continuingSubwordPrefix?.utf8.count ?? 0
        for (rank, merge) in try field.required("merges").elements().enumerated() {
            let left: String, right: String
            switch merge.node {
            case .string(let line):
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw merge.error("expected a merge \"left right\"") }
                left = String(parts[0]); right = String(parts[1])
            case .array:
                let parts = try merge.elements()
                guard parts.count == 2 else { throw merge.error("expected a merge [left, right]") }
                left = try parts[0].string(); right = try parts[1].string()
            default:
                throw merge.error("expected a merge as a string or a two-element array")
            }
            guard let leftID = strings.id(of: left) else { throw merge.error("merge token \(left.debugDescription) is not in model.vocab") }
            guard let rightID = strings.id(of: right) else { throw merge.error("merge token \(right.debugDescription) is not in model.vocab") }
            // With a continuing-subword prefix the right part's prefix is dropped when joining.
            var rightPart = Substring(right)
            if prefixLength > 0, let prefix = continuingSubwordPrefix, right.hasPrefix(prefix) {
                rightPart = Substring(String(decoding: Array(right.utf8).dropFirst(prefixLength), as: UTF8.self))
            }
            let merged = left + rightPart
            guard let mergedID = strings.id(of: merged) else {
                throw merge.error("merged token \(merged.debugDescription) is not in model.vocab")
            }
            // The first occurrence of a pair keeps its rank, as in the library.
            if table.rule(left: Int32(leftID), right: Int32(rightID)) == nil {
                table.add(left: leftID, right: rightID, merged: mergedID, rank: rank)
            }
        }
        merges = table
    }

    static func byteTokenName(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
    }

    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        if word.isEmpty { return }
        let result = cache.ids(for: word, length: word.count) { merge(word) }
        for id in result { ids.append(Int(id)) }
    }

    private func merge(_ word: [Unicode.Scalar]) -> [Int32] {
        if ignoreMerges, let id = strings.id(of: ScalarText.string(word)) { return [Int32(id)] }
        var symbols: [Int32] = []
        symbols.reserveCapacity(word.count)
        var pendingUnknown = false
        let affixes = continuingSubwordPrefix != nil || endOfWordSuffix != nil
        for (index, scalar) in word.enumerated() {
            let id: Int32?
            if affixes {
                var text = String(scalar)
                if index > 0, let prefix = continuingSubwordPrefix { text = prefix + text }
                if index == word.count - 1, let suffix = endOfWordSuffix { text += suffix }
                id = strings.id(of: text).map(Int32.init)
            } else {
                id = strings.id(ofScalar: scalar)
            }
            if let id {
                if pendingUnknown, let unknownID { symbols.append(unknownID); pendingUnknown = false }
                symbols.append(id)
                continue
            }
            if let byteFallbackIDs {
                var bytes: [Int32] = []
                var complete = true
                UTF8.encode(scalar) { byte in
                    let id = byteFallbackIDs[Int(byte)]
                    if id < 0 { complete = false } else { bytes.append(id) }
                }
                // As in the library, a pending unknown is not flushed before byte tokens.
                if complete { symbols += bytes; continue }
            }
            if let unknownID {
                if pendingUnknown && !fuseUnknown { symbols.append(unknownID) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unknownID { symbols.append(unknownID) }
        return merges.apply(to: symbols)
    }
}

/// Whole-word lookup with an unknown token.
struct WordLevelModel: Sendable {
    let strings: TokenStrings
    let unknownID: Int?

    init(_ field: JSONField) throws(TokenizerError) {
        strings = TokenStrings(try TokenizerModel.readVocabulary(field.required("vocab")))
        let unknown = try field.string("unk_token", default: "<unk>")
        unknownID = strings.id(of: unknown)
        if unknownID == nil { throw field.error("unk_token \(unknown.debugDescription) is not in model.vocab") }
    }

    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        var utf8: [UInt8] = []
        for scalar in word { UTF8.encode(scalar) { utf8.append($0) } }
        if let id = strings.id(ofUTF8: utf8[...]) { ids.append(id) } else if let unknownID { ids.append(unknownID) }
    }
}

/// SentencePiece's unigram language model: the segmentation with the highest total score
/// (Viterbi over UTF-8 positions), unknown characters scored below every piece and fused.
struct UnigramModel: Sendable {
    let strings: TokenStrings
    let scores: [Double]
    let unknownID: Int?
    let byteFallbackIDs: [Int32]?
    let unknownScore: Double
    let maximumPieceBytes: Int
    private let cache = WordCache<[Unicode.Scalar]>()

    /// The library's penalty below the lowest piece score for an unknown character.
    static let unknownPenalty = 10.0

    init(_ field: JSONField) throws(TokenizerError) {
        var tokens: [(text: String, id: Int)] = []
        var scores: [Double] = []
        var maximumPieceBytes = 1
        for (index, entry) in try field.required("vocab").elements().enumerated() {
            let pair = try entry.elements()
            guard pair.count == 2 else { throw entry.error("expected [piece, score]") }
            let piece = try pair[0].string()
            tokens.append((piece, index))
            scores.append(try pair[1].double())
            maximumPieceBytes = max(maximumPieceBytes, piece.utf8.count)
        }
        let strings = TokenStrings(tokens)
        self.strings = strings
        self.scores = scores
        self.maximumPieceBytes = maximumPieceBytes
        if let unknown = try field.optional("unk_id") {
            let id = try unknown.id()
            guard id < tokens.count else { throw unknown.error("unk_id \(id) is outside model.vocab") }
            unknownID = id
        } else {
            unknownID = nil
        }
        unknownScore = (scores.min() ?? 0) - Self.unknownPenalty
        if try field.bool("byte_fallback", default: false) {
            byteFallbackIDs = (0..<256).map { strings.id(of: BPEModel.byteTokenName(UInt8($0))).map(Int32.init) ?? -1 }
        } else {
            byteFallbackIDs = nil
        }
    }

    func tokenize(_ word: [Unicode.Scalar], into ids: inout [Int]) {
        if word.isEmpty { return }
        for id in cache.ids(for: word, length: word.count, compute: { segment(word) }) { ids.append(Int(id)) }
    }

    private struct Node {
        var id: Int32 = -1
        var score: Double = 0
        var start = -1
    }

    private func segment(_ word: [Unicode.Scalar]) -> [Int32] {
        var utf8: [UInt8] = []
        for scalar in word { UTF8.encode(scalar) { utf8.append($0) } }
        let size = utf8.count
        var best = [Node](repeating: Node(), count: size + 1)
        var start = 0
        var scalarIndex = 0
        while start < size {
            let scalarLength = UTF8.width(word[scalarIndex])
            let scoreHere = best[start].score
            var hasSingle = false
            var length = 1
            while length <= maximumPieceBytes, start + length <= size {
                if let id = strings.id(ofUTF8: utf8[start..<(start + length)]) {
                    let candidate = scoreHere + scores[id]
                    let end = start + length
                    if best[end].start < 0 || candidate > best[end].score {
                        best[end] = Node(id: Int32(id), score: candidate, start: start)
                    }
                    if length == scalarLength { hasSingle = true }
                }
                length += 1
            }
            if !hasSingle {
                let end = start + scalarLength
                let candidate = scoreHere + unknownScore
                if best[end].start < 0 || candidate > best[end].score {
                    best[end] = Node(id: Int32(unknownID ?? -1), score: candidate, start: start)
                }
            }
            start += scalarLength
            scalarIndex += 1
        }
        // Walk back; consecutive unknowns fuse into one piece.
        var pieces: [Range<Int>] = []
        var end = size
        var unknownStart = -1, unknownEnd = -1
        while end > 0 {
            let node = best[end]
            if let unknownID, node.id == Int32(unknownID) {
                if unknownStart < 0 { unknownEnd = end }
                unknownStart = node.start
            } else {
                if unknownStart >= 0 { pieces.append(unknownStart..<unknownEnd); unknownStart = -1 }
                pieces.append(node.start..<end)
            }
            end = node.start
        }
        if unknownStart >= 0 { pieces.append(unknownStart..<unknownEnd) }
        var ids: [Int32] = []
        for piece in pieces.reversed() {
            if let id = strings.id(ofUTF8: utf8[piece]) {
                ids.append(Int32(id))
            } else if let byteFallbackIDs, utf8[piece].allSatisfy({ byteFallbackIDs[Int($0)] >= 0 }) {
                for byte in utf8[piece] { ids.append(byteFallbackIDs[Int(byte)]) }
            } else if let unknownID {
                ids.append(Int32(unknownID))
            }
        }
        return ids
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
