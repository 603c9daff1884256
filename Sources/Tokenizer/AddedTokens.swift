/// One entry of `added_tokens`.
struct AddedToken: Sendable {
    var id: Int
    var content: String
    var special: Bool
    var singleWord: Bool
    var leftStrip: Bool
    var rightStrip: Bool
    /// Matched in the normalized text (against the normalized content) rather than the raw text.
    var normalized: Bool
}

/// Finds added tokens in text the way the library does: leftmost-longest over the token
/// strings, then `single_word`, `lstrip` and `rstrip` checks.
struct AddedTokenMatcher: Sendable {
    private struct Pattern: Sendable {
        var bytes: [UInt8]
        var token: Int  // index into tokens
    }
    private let tokens: [AddedToken]
    /// Patterns bucketed by first byte, longest first.
    private let byFirstByte: [[Pattern]]
    let isEmpty: Bool

    init(tokens: [AddedToken], patterns: [[UInt8]]) {
        self.tokens = tokens
        var buckets = [[Pattern]](repeating: [], count: 256)
        for (index, bytes) in patterns.enumerated() where !bytes.isEmpty {
            buckets[Int(bytes[0])].append(Pattern(bytes: bytes, token: index))
        }
        for index in buckets.indices {
            // Longest first; among equal lengths the first added wins, as with aho-corasick's
            // pattern order.
            buckets[index] = buckets[index].enumerated()
                .sorted { $0.element.bytes.count != $1.element.bytes.count ? $0.element.bytes.count > $1.element.bytes.count : $0.offset < $1.offset }
                .map(\.element)
        }
        byFirstByte = buckets
        isEmpty = patterns.allSatisfy(\.isEmpty)
    }

    /// Splits `text` (UTF-8) into `(range, added token id or nil)` spans covering it.
    func split(_ text: [UInt8]) -> [(range: Range<Int>, id: Int?)] {
        if isEmpty || text.isEmpty { return [(0..<text.count, nil)] }
        var spans: [(range: Range<Int>, id: Int?)] = []
        var consumed = 0
        var position = 0
        while position < text.count {
            var found: Pattern?
            for pattern in byFirstByte[Int(text[position])] where position + pattern.bytes.count <= text.count {
                if text[position..<(position + pattern.bytes.count)].elementsEqual(pattern.bytes) {
                    found = pattern
                    break
                }
            }
            guard let pattern = found else { position += 1; continue }
            let token = tokens[pattern.token]
            var start = position
            var stop = position + pattern.bytes.count
            if token.singleWord {
                let startsWord = start > 0 && Self.endsWithWordCharacter(text[..<start])
                let endsWord = stop < text.count && Self.startsWithWordCharacter(text[stop...])
                if startsWord || endsWord { position = stop; continue }
            }
            if token.leftStrip { start = max(Self.startOfTrailingWhitespace(text[..<start]), consumed) }
            if token.rightStrip { stop = Self.endOfLeadingWhitespace(text, from: stop) }
            if consumed < start { spans.append((consumed..<start, nil)) }
            spans.append((start..<stop, token.id))
            consumed = stop
            position = stop
        }
        if consumed < text.count { spans.append((consumed..<text.count, nil)) }
        return spans
    }

    private static func scalars(_ bytes: ArraySlice<UInt8>) -> String.UnicodeScalarView {
        String(decoding: bytes, as: UTF8.self).unicodeScalars
    }

    /// Rust's `char::is_alphanumeric() || c == '_'` on the last character.
    private static func endsWithWordCharacter(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let last = scalars(bytes).last else { return false }
        return isWordCharacter(last)
    }

    private static func startsWithWordCharacter(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = scalars(bytes).first else { return false }
        return isWordCharacter(first)
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || PreTokenizerStep.isNumeric(scalar)
    }

    private static func startOfTrailingWhitespace(_ bytes: ArraySlice<UInt8>) -> Int {
        var end = bytes.endIndex
        let view = scalars(bytes)
        for scalar in view.reversed() {
            guard scalar.properties.isWhitespace else { break }
            end -= UTF8.width(scalar)
        }
        return end
    }

    private static func endOfLeadingWhitespace(_ text: [UInt8], from start: Int) -> Int {
        var end = start
        for scalar in scalars(text[start...]) {
            guard scalar.properties.isWhitespace else { break }
            end += UTF8.width(scalar)
        }
        return end
    }
}
