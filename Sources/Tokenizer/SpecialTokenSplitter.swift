/// Cuts text at the literal occurrences of a special token such as `<|endoftext|>`.
///
/// Matching is on UTF-8 bytes, not Characters: Swift's Character comparison would miss an
/// occurrence whose final `>` is followed by a combining mark, whereas tiktoken and Hugging
/// Face match the raw text. The token starts and ends with ASCII, so the cut points are
/// always on scalar boundaries.
enum SpecialTokenSplitter {
    enum Segment: Equatable {
        case text(String)
        case special
    }

    static func split(_ text: String, around special: String) -> [Segment] {
        let needle = Array(special.utf8)
        guard let first = needle.first else { return [.text(text)] }
        let haystack = Array(text.utf8)
        var segments: [Segment] = []
        var segmentStart = 0
        var position = 0
        while position + needle.count <= haystack.count {
            if haystack[position] == first, haystack[position..<(position + needle.count)].elementsEqual(needle) {
                if position > segmentStart {
                    segments.append(.text(String(decoding: haystack[segmentStart..<position], as: UTF8.self)))
                }
                segments.append(.special)
                position += needle.count
                segmentStart = position
            } else {
                position += 1
            }
        }
        if segmentStart < haystack.count {
            segments.append(.text(String(decoding: haystack[segmentStart...], as: UTF8.self)))
        }
        return segments
    }
}
