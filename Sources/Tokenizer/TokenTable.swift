/// Finds the id of a vocabulary string given as UTF-8 bytes.
///
/// A purpose-built open-addressing table instead of `[String: Int]`: nearly every GPT-2
/// token contains a non-ASCII character (`Ġ`), which sends String hashing through its slow
/// normalization path, and building the merge table needs 150k lookups (left, right and the
/// concatenation for each of 50k merges). Hashing raw bytes also matches exactly like Python's
/// dict, with no Unicode canonical equivalence.
struct TokenTable: Sendable {
    /// UTF-8 of all keys, concatenated (owned by the JSON parser's result).
    private let text: [UInt8]
    private let entries: [VocabularyJSONParser.Entry]
    /// Entry index + 1 for each slot; 0 means empty. Size is a power of two.
    private let slots: [Int32]

    init(text: [UInt8], entries: [VocabularyJSONParser.Entry]) {
        self.text = text
        self.entries = entries
        var capacity = 16
        while capacity < entries.count * 2 { capacity <<= 1 }
        var slots = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for (index, entry) in entries.enumerated() {
            let key = text[entry.textRange]
            var slot = Int(truncatingIfNeeded: Self.hash(key, ArraySlice())) & mask
            while slots[slot] != 0 {
                // A repeated key takes the later id, like building a Python dict.
                if text[entries[Int(slots[slot]) - 1].textRange].elementsEqual(key) { break }
                slot = (slot + 1) & mask
            }
            slots[slot] = Int32(index + 1)
        }
        self.slots = slots
    }

    /// The id whose vocabulary string is `bytes`.
    func id(of bytes: ArraySlice<UInt8>) -> Int? {
        id(ofConcatenation: bytes, ArraySlice())
    }

    /// The id whose vocabulary string is `left` followed by `right`, without building it.
    func id(ofConcatenation left: ArraySlice<UInt8>, _ right: ArraySlice<UInt8>) -> Int? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: Self.hash(left, right)) & mask
        while slots[slot] != 0 {
            let entry = entries[Int(slots[slot]) - 1]
            if entry.textRange.count == left.count + right.count,
               matches(left, at: entry.textRange.lowerBound),
               matches(right, at: entry.textRange.lowerBound + left.count) {
                return entry.id
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Whether `text` holds `part` starting at `offset` (bounds already checked by the caller).
    private func matches(_ part: ArraySlice<UInt8>, at offset: Int) -> Bool {
        var textIndex = offset
        for byte in part {
            if text[textIndex] != byte { return false }
            textIndex += 1
        }
        return true
    }

    /// FNV-1a over the bytes of `left` then `right`; simple and good enough for short keys.
    private static func hash(_ left: ArraySlice<UInt8>, _ right: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in left { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        for byte in right { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash ^ (hash >> 29)
    }
}
