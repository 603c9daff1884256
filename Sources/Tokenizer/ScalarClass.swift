/// The character classes that GPT-2's pre-tokenization regex distinguishes.
///
/// The regex is `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;
/// every scalar falls in exactly one of these classes, decided by its Unicode general
/// category (`\p{L}`, `\p{N}`) or the White_Space property (`\s`).
enum ScalarClass: UInt8, Sendable {
    /// `\p{L}`: Lu, Ll, Lt, Lm, Lo.
    case letter
    /// `\p{N}`: Nd, Nl, No.
    case number
    /// U+0020, the only character the ` ?` prefix of the regex accepts.
    case space
    /// Any other `\s` character (tab, newline, NBSP, ideographic space...).
    case otherWhitespace
    /// `'` (U+0027), which may start a contraction; otherwise it behaves like `other`.
    case apostrophe
    /// `[^\s\p{L}\p{N}]`: punctuation, symbols, marks, controls, emoji...
    case other

    var isWhitespace: Bool { self == .space || self == .otherWhitespace }

    /// Whether `next` may continue a run that started with a scalar of this class
    /// (`\p{L}+`, `\p{N}+` or `[^\s\p{L}\p{N}]+`).
    func continuesRun(with next: ScalarClass) -> Bool {
        switch self {
        case .letter: return next == .letter
        case .number: return next == .number
        case .other, .apostrophe: return next == .other || next == .apostrophe
        case .space, .otherWhitespace: return false
        }
    }

    static func of(_ scalar: Unicode.Scalar) -> ScalarClass {
        // Most text is ASCII; a table avoids the Unicode property lookup for it.
        if scalar.isASCII { return asciiTable[Int(scalar.value)] }
        return classifyByProperties(scalar)
    }

    private static let asciiTable: [ScalarClass] = (0..<128).map {
        classifyByProperties(Unicode.Scalar(UInt8($0)))
    }

    private static func classifyByProperties(_ scalar: Unicode.Scalar) -> ScalarClass {
        if scalar == " " { return .space }
        if scalar == "'" { return .apostrophe }
        let properties = scalar.properties
        if properties.isWhitespace { return .otherWhitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }
}
