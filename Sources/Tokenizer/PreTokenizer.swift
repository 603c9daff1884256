/// A hand-written scanner equivalent to GPT-2's pre-tokenization regex
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
///
/// Written by hand instead of with NSRegularExpression because Foundation's regex engine is
/// slow to start and its `\p{...}` classes are not guaranteed to agree with the ones GPT-2
/// was trained with. The regex works on Unicode scalars (not grapheme clusters), so this
/// scanner does too: a combining mark after a letter starts a new piece, exactly as in Python.
enum PreTokenizer {
    /// The text's UTF-8 bytes and the byte ranges of its pieces, in order, covering every byte.
    struct Pieces {
        var utf8: [UInt8]
        var ranges: [Range<Int>]
    }

    static func split(_ text: String) -> Pieces {
        var scalars: [Unicode.Scalar] = []
        var classes: [ScalarClass] = []
        var byteOffsets: [Int] = []  // byteOffsets[i] is where scalar i starts; one extra at the end
        scalars.reserveCapacity(text.utf8.count)
        classes.reserveCapacity(text.utf8.count)
        byteOffsets.reserveCapacity(text.utf8.count + 1)
        var offset = 0
        for scalar in text.unicodeScalars {
            scalars.append(scalar)
            classes.append(ScalarClass.of(scalar))
            byteOffsets.append(offset)
            offset += UTF8.width(scalar)
        }
        byteOffsets.append(offset)

        var ranges: [Range<Int>] = []
        var start = 0
        while start < scalars.count {
            let end = pieceEnd(startingAt: start, scalars: scalars, classes: classes)
            ranges.append(byteOffsets[start]..<byteOffsets[end])
            start = end
        }
        return Pieces(utf8: Array(text.utf8), ranges: ranges)
    }

    /// The pieces as strings; convenient for tests and debugging.
    static func splitIntoStrings(_ text: String) -> [String] {
        let pieces = split(text)
        return pieces.ranges.map { String(decoding: pieces.utf8[$0], as: UTF8.self) }
    }

    /// The (exclusive) scalar index where the piece starting at `start` ends. Mirrors the
    /// regex's alternatives in their order of priority.
    static func pieceEnd(startingAt start: Int, scalars: [Unicode.Scalar],
                         classes: [ScalarClass]) -> Int {
        let count = scalars.count

        // 's|'t|'re|'ve|'m|'ll|'d  (case-sensitive, ASCII apostrophe only)
        if classes[start] == .apostrophe, let length = contractionLength(after: start, in: scalars) {
            return start + length
        }

        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional single U+0020, then a run.
        var runStart = start
        if classes[start] == .space, start + 1 < count, !classes[start + 1].isWhitespace {
            runStart = start + 1
        }
        let runClass = classes[runStart]
        if !runClass.isWhitespace {
            var end = runStart + 1
            while end < count, runClass.continuesRun(with: classes[end]) { end += 1 }
            return end
        }

        // Whitespace run. `\s+(?!\S)` backtracks until the next scalar is not non-whitespace:
        // at the end of the text it takes the whole run; before a non-whitespace scalar it
        // leaves the last whitespace behind (so " word" can keep its space). A single
        // whitespace before non-whitespace fails that alternative and falls to plain `\s+`.
        var end = start + 1
        while end < count, classes[end].isWhitespace { end += 1 }
        if end < count, end - start >= 2 { return end - 1 }
        return end
    }

    private static func contractionLength(after apostrophe: Int, in scalars: [Unicode.Scalar]) -> Int? {
        let count = scalars.count
        guard apostrophe + 1 < count else { return nil }
        switch scalars[apostrophe + 1] {
        case "s", "t", "m", "d":
            return 2
        case "r", "v":
            return apostrophe + 2 < count && scalars[apostrophe + 2] == "e" ? 3 : nil
        case "l":
            return apostrophe + 2 < count && scalars[apostrophe + 2] == "l" ? 3 : nil
        default:
            return nil
        }
    }
}
