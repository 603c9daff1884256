/// GPT-2's reversible mapping between raw bytes and printable Unicode scalars.
///
/// BPE vocabularies are stored as JSON strings, so GPT-2 represents every byte by a visible
/// character: the 188 bytes that are already printable Latin-1 (`!`...`~`, `¡`...`¬`, `®`...`ÿ`)
/// stand for themselves, and the remaining 68 (controls, space, soft hyphen...) are assigned
/// U+0100, U+0101, ... in byte order. That is why a leading space shows up as `Ġ` (U+0120).
enum ByteUnicodeMap {
    /// `scalarForByte[b]` is the vocabulary character that represents byte `b`.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var nextShifted: UInt32 = 256
        for byte in 0..<256 {
            if representsItself(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(nextShifted)!
                nextShifted += 1
            }
        }
        return table
    }()

    /// The inverse of `scalarForByte`, or nil for a scalar that does not encode a byte.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value < 256 {
            return representsItself(UInt8(value)) ? UInt8(value) : nil
        }
        let shiftedIndex = Int(value) - 256
        return shiftedIndex < byteForShiftedScalar.count ? byteForShiftedScalar[shiftedIndex] : nil
    }

    /// The vocabulary spelling of a byte string, e.g. `[0x20, 0x61]` -> `"Ġa"`.
    static func vocabularyString(for bytes: some Sequence<UInt8>) -> String {
        var view = String.UnicodeScalarView()
        for byte in bytes { view.append(scalarForByte[Int(byte)]) }
        return String(view)
    }

    private static func representsItself(_ byte: UInt8) -> Bool {
        (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
    }

    /// `byteForShiftedScalar[i]` is the byte that U+0100 + i stands for (68 entries).
    private static let byteForShiftedScalar: [UInt8] = (0..<256).map(UInt8.init).filter { !representsItself($0) }
}
