/// The loaded, validated contents of a GPT-2 style vocabulary: the token <-> id tables, the
/// bytes each token stands for, and the merge rules in id space.
struct Vocabulary: Sendable {
    /// One more than the largest id.
    let size: Int
    let lookup: TokenTable
    /// The id of the single-byte token for each byte value; the starting point of BPE.
    let byteTokenIDs: [Int32]
    let merges: BPEMergeTable
    /// UTF-8 of each id's vocabulary string (e.g. "Ġthe"), concatenated; see `spelling(of:)`.
    private let spellings: [UInt8]
    private let spellingRanges: [Range<Int>?]
    /// The raw bytes each id decodes to, concatenated; see `bytes(of:)`.
    private let decodedBytes: [UInt8]
    private let decodedOffsets: [Int]

    init(encoderPath: String, mergesPath: String) throws(TokenizerError) {
        let encoderBytes = try VocabularyFiles.readBytes(encoderPath)
        let mergesBytes = try VocabularyFiles.readBytes(mergesPath)
        let parsed = try VocabularyJSONParser.parse(encoderBytes, path: encoderPath)
        let mergeLines = try MergesFileParser.parse(mergesBytes, path: mergesPath)

        lookup = TokenTable(text: parsed.text, entries: parsed.entries)
        size = (parsed.entries.map(\.id).max() ?? -1) + 1
        var spellingRanges = [Range<Int>?](repeating: nil, count: size)
        for entry in parsed.entries {
            spellingRanges[entry.id] = entry.textRange  // a repeated id keeps the last token, like Python's {v: k}
        }
        self.spellings = parsed.text
        self.spellingRanges = spellingRanges

        var byteTokenIDs: [Int32] = []
        for byte in 0..<256 {
            let spelling = String(ByteUnicodeMap.scalarForByte[byte])
            guard let id = lookup.id(of: ArraySlice(spelling.utf8)) else {
                throw TokenizerError(
                    path: encoderPath,
                    problem: "vocabulary lacks the single-byte token \"\(spelling)\" for byte \(byte)")
            }
            byteTokenIDs.append(Int32(id))
        }
        self.byteTokenIDs = byteTokenIDs

        merges = try Self.resolve(mergeLines, in: mergesBytes, lookup: lookup,
                                  mergesPath: mergesPath, encoderPath: encoderPath)

        var decodedBytes: [UInt8] = []
        var decodedOffsets: [Int] = [0]
        decodedBytes.reserveCapacity(parsed.text.count)
        decodedOffsets.reserveCapacity(size + 1)
        for range in spellingRanges {
            if let range { Self.appendDecodedBytes(ofSpelling: parsed.text[range], to: &decodedBytes) }
            decodedOffsets.append(decodedBytes.count)
        }
        self.decodedBytes = decodedBytes
        self.decodedOffsets = decodedOffsets
    }

    /// The vocabulary string of `id`, or nil for an id outside the vocabulary.
    func spelling(of id: Int) -> String? {
        guard id >= 0, id < size, let range = spellingRanges[id] else { return nil }
        return String(decoding: spellings[range], as: UTF8.self)
    }

    /// The bytes token `id` decodes to, or nil for an id outside the vocabulary.
    func bytes(of id: Int) -> ArraySlice<UInt8>? {
        guard id >= 0, id < size, spellingRanges[id] != nil else { return nil }
        return decodedBytes[decodedOffsets[id]..<decodedOffsets[id + 1]]
    }

    /// Turns merge lines into id-space rules. Like Hugging Face, a merge whose parts or
    /// result are not in the vocabulary is an error rather than a token we could not emit.
    private static func resolve(_ lines: [MergesFileParser.Merge], in mergesBytes: [UInt8], lookup: TokenTable,
                                mergesPath: String, encoderPath: String) throws(TokenizerError) -> BPEMergeTable {
        let encoderName = encoderPath.split(separator: "/").last.map(String.init) ?? encoderPath
        func missing(_ spelling: some Sequence<UInt8>, line: Int) -> TokenizerError {
            TokenizerError(path: mergesPath,
                           problem: "line \(line): token \"\(String(decoding: Array(spelling), as: UTF8.self))\" is not in \(encoderName)")
        }
        var table = BPEMergeTable()
        for (rank, merge) in lines.enumerated() {
            let left = mergesBytes[merge.left], right = mergesBytes[merge.right]
            guard let leftID = lookup.id(of: left) else { throw missing(left, line: merge.line) }
            guard let rightID = lookup.id(of: right) else { throw missing(right, line: merge.line) }
            guard let mergedID = lookup.id(ofConcatenation: left, right) else {
                throw missing(Array(left) + Array(right), line: merge.line)
            }
            table.add(left: leftID, right: rightID, merged: mergedID, rank: rank)
        }
        return table
    }

    /// Maps a vocabulary string back to raw bytes through the byte alphabet. Characters
    /// outside the alphabet (added tokens in hand-edited vocabularies) stand for their own UTF-8.
    private static func appendDecodedBytes(ofSpelling utf8: ArraySlice<UInt8>, to bytes: inout [UInt8]) {
        var iterator = utf8.makeIterator()
        var decoder = UTF8()
        while case .scalarValue(let scalar) = decoder.decode(&iterator) {
            if let byte = ByteUnicodeMap.byte(for: scalar) {
                bytes.append(byte)
            } else {
                UTF8.encode(scalar) { bytes.append($0) }
            }
        }
    }
}
