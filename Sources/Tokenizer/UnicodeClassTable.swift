/// The Unicode properties the tokenizer.json pipeline asks about per scalar, precomputed for
/// the Basic Multilingual Plane (where nearly all text lives) so that scanning non-ASCII text
/// costs a table read instead of several Unicode property look-ups per scalar. Built once, on
/// first use (about 20 ms); scalars above U+FFFF are classified directly.
enum UnicodeClassTable {
    private static let limit: UInt32 = 0x10000
    private static let wordBit: UInt16 = 1 << 3
    private static let numericBit: UInt16 = 1 << 4
    private static let punctuationBit: UInt16 = 1 << 5
    private static let markBit: UInt16 = 1 << 6
    private static let nonspacingMarkBit: UInt16 = 1 << 7

    private static let table: [UInt16] = (0..<limit).map { value in
        guard let scalar = Unicode.Scalar(value) else { return UInt16(ScalarClass.other.rawValue) }
        return compute(scalar)
    }

    private static func compute(_ scalar: Unicode.Scalar) -> UInt16 {
        var bits = UInt16(ScalarClass.of(scalar).rawValue)
        if SplitRegex.computeIsWordScalar(scalar) { bits |= wordBit }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: bits |= numericBit
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: bits |= punctuationBit
        case .nonspacingMark: bits |= markBit | nonspacingMarkBit
        case .spacingMark, .enclosingMark: bits |= markBit
        default: break
        }
        if scalar.isASCII, (0x21...0x2F).contains(scalar.value) || (0x3A...0x40).contains(scalar.value)
            || (0x5B...0x60).contains(scalar.value) || (0x7B...0x7E).contains(scalar.value) {
            bits |= punctuationBit
        }
        return bits
    }

    @inline(__always)
    private static func bits(_ scalar: Unicode.Scalar) -> UInt16 {
        scalar.value < limit ? table[Int(scalar.value)] : compute(scalar)
    }

    static func scalarClass(_ scalar: Unicode.Scalar) -> ScalarClass {
        if scalar.isASCII { return ScalarClass.of(scalar) }
        return ScalarClass(rawValue: UInt8(bits(scalar) & 7)) ?? .other
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool { scalarClass(scalar).isWhitespace }
    /// Oniguruma's `\w`.
    static func isWord(_ scalar: Unicode.Scalar) -> Bool { bits(scalar) & wordBit != 0 }
    /// General categories Nd, Nl, No (Rust's `char::is_numeric`).
    static func isNumeric(_ scalar: Unicode.Scalar) -> Bool { bits(scalar) & numericBit != 0 }
    /// ASCII punctuation or a P* category (the library's `is_punc`).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool { bits(scalar) & punctuationBit != 0 }
    /// Mn, Mc, Me.
    static func isMark(_ scalar: Unicode.Scalar) -> Bool { !scalar.isASCII && bits(scalar) & markBit != 0 }
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        !scalar.isASCII && bits(scalar) & nonspacingMarkBit != 0
    }
}
