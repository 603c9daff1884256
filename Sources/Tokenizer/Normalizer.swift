import Foundation

/// A `tokenizer.json` normalizer: rewrites each stretch of text between added tokens before it
/// is pre-tokenized. Works on Unicode scalars, as the library works on Rust `char`s.
indirect enum Normalizer: Sendable {
    case nfc, nfd, nfkc, nfkd
    /// Per-scalar full lowercase mapping, without context (no final-sigma rule), like Rust's
    /// `char::to_lowercase` (Swift's `lowercased()` would apply the final-sigma rule).
    case lowercase
    /// Removes every combining mark (general categories Mn, Mc, Me).
    case stripAccents
    /// Prepends the string unless the text is empty.
    case prepend([Unicode.Scalar])
    /// The library's `Replace` (literal or regex pattern).
    case replace(ReplaceRule)
    /// Removes leading and/or trailing White_Space.
    case strip(left: Bool, right: Bool)
    /// BERT's: drop NUL, U+FFFD and control/format/private-use characters (Cc, Cf, Co; tab
    /// and newlines excepted) and turn whitespace into spaces; pad CJK ideographs with spaces;
    /// strip accents (NFD, then drop nonspacing marks only, unlike `StripAccents`); lowercase.
    case bert(cleanText: Bool, chineseCharacters: Bool, stripAccents: Bool, lowercase: Bool)
    case sequence([Normalizer])

    func apply(_ text: inout [Unicode.Scalar]) {
        switch self {
        case .nfc:
            guard !text.allSatisfy(Self.isStableUnderNFC) else { return }
            Self.foundationForm(&text) { $0.precomposedStringWithCanonicalMapping }
        case .nfd:
            guard !text.allSatisfy(Self.isStableUnderEveryForm) else { return }
            Self.foundationForm(&text) { $0.decomposedStringWithCanonicalMapping }
        case .nfkc:
            guard !text.allSatisfy(Self.isStableUnderEveryForm) else { return }
            Self.foundationForm(&text) { $0.precomposedStringWithCompatibilityMapping }
        case .nfkd:
            guard !text.allSatisfy(Self.isStableUnderEveryForm) else { return }
            Self.foundationForm(&text) { $0.decomposedStringWithCompatibilityMapping }
        case .lowercase:
            guard text.contains(where: { !$0.isASCII || (0x41...0x5A).contains($0.value) }) else { return }
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(text.count)
            for scalar in text {
                if scalar.isASCII {
                    lowered.append((0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 32)! : scalar)
                } else if scalar.properties.changesWhenLowercased {
                    lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                } else {
                    lowered.append(scalar)
                }
            }
            text = lowered
        case .stripAccents:
            guard !text.allSatisfy(\.isASCII) else { return }
            text.removeAll(where: UnicodeClassTable.isMark)
        case .prepend(let prefix):
            if !text.isEmpty { text.insert(contentsOf: prefix, at: 0) }
        case .replace(let rule):
            text = rule.apply(text)
        case .strip(let left, let right):
            var end = text.count
            if right { while end > 0, UnicodeClassTable.isWhitespace(text[end - 1]) { end -= 1 } }
            var start = 0
            if left { while start < end, UnicodeClassTable.isWhitespace(text[start]) { start += 1 } }
            if start != 0 || end != text.count { text = Array(text[start..<end]) }
        case .sequence(let normalizers):
            for normalizer in normalizers { normalizer.apply(&text) }
        case .bert(let cleanText, let chineseCharacters, let stripAccents, let lowercase):
            if cleanText {
                var cleaned: [Unicode.Scalar] = []
                cleaned.reserveCapacity(text.count)
                for scalar in text {
                    if scalar == "\t" || scalar == "\n" || scalar == "\r" { cleaned.append(" "); continue }
                    if scalar.value == 0 || scalar.value == 0xFFFD { continue }
                    switch scalar.properties.generalCategory {
                    case .control, .format, .privateUse: continue
                    default: break
                    }
                    cleaned.append(UnicodeClassTable.isWhitespace(scalar) ? " " : scalar)
                }
                text = cleaned
            }
            if chineseCharacters, text.contains(where: Self.isCJKIdeograph) {
                var padded: [Unicode.Scalar] = []
                for scalar in text {
                    if Self.isCJKIdeograph(scalar) { padded += [" ", scalar, " "] } else { padded.append(scalar) }
                }
                text = padded
            }
            if stripAccents {
                Normalizer.nfd.apply(&text)
                text.removeAll(where: UnicodeClassTable.isNonspacingMark)
            }
            if lowercase { Normalizer.lowercase.apply(&text) }
        }
    }

    /// The CJK ideograph blocks BERT pads with spaces.
    static func isCJKIdeograph(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }

    /// Scalars that no normalization form changes and that never combine with a neighbour
    /// (no decomposition of either kind, canonical combining class 0, not a composition's
    /// second part): ASCII, the basic Greek and Cyrillic letters (not Й/й, which decompose),
    /// Hebrew letters, CJK ideographs, the emoji blocks. Text made only of these skips
    /// Foundation, which is most of the cost of normalizing short strings.
    static func isStableUnderEveryForm(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x7F, 0x0391...0x03A1, 0x03A3...0x03A9, 0x03B1...0x03C9,
             0x0410...0x0418, 0x041A...0x0438, 0x043A...0x044F, 0x05D0...0x05EA,
             0x4E00...0x9FFF, 0x1F300...0x1FAFF:
            return true
        default:
            return false
        }
    }

    /// Scalars already in NFC that nothing composes with (NFC_QC=Yes, combining class 0, no
    /// composition in which they are the second part): the blocks most text is made of.
    /// U+2000 and U+2001 (NFC maps them to U+2002 and U+2003) are left out on purpose.
    static func isStableUnderNFC(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x300 { return true }
        switch v {
        case 0x0400...0x0482, 0x048A...0x052F,   // Cyrillic letters (U+0483-0489 combine)
             0x05D0...0x05EA,                    // Hebrew letters
             0x0621...0x064A, 0x0660...0x066F,   // Arabic letters and digits (marks from U+064B)
             0x2002...0x206F, 0x20A0...0x20BF,   // general punctuation, currency signs
             0x3000...0x3029, 0x3041...0x3096,   // CJK punctuation, hiragana (U+3099/309A combine)
             0x30A1...0x30FA,                    // katakana
             0x4E00...0x9FFF,                    // CJK ideographs
             0xFF01...0xFF9D,                    // full- and halfwidth forms
             0x1F300...0x1FAFF:                  // emoji
            return true
        default:
            return false
        }
    }

    /// Unicode normalization forms through Foundation.
    private static func foundationForm(_ text: inout [Unicode.Scalar], _ form: (String) -> String) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text)
        text = Array(form(String(view)).unicodeScalars)
    }

    static func read(_ field: JSONField) throws(TokenizerError) -> Normalizer {
        let type = try field.type()
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "StripAccents": return .stripAccents
        case "Prepend": return .prepend(Array(try field.required("prepend").string().unicodeScalars))
        case "Replace":
            return .replace(try ReplaceRule.read(field, component: "Replace normalizer"))
        case "Strip":
            return .strip(left: try field.bool("strip_left", default: true), right: try field.bool("strip_right", default: true))
        case "BertNormalizer":
            let lowercase = try field.bool("lowercase", default: true)
            return .bert(cleanText: try field.bool("clean_text", default: true),
                         chineseCharacters: try field.bool("handle_chinese_chars", default: true),
                         stripAccents: try field.optional("strip_accents")?.bool() ?? lowercase, lowercase: lowercase)
        case "Sequence":
            var normalizers: [Normalizer] = []
            for element in try field.required("normalizers").elements() { normalizers.append(try read(element)) }
            return .sequence(normalizers)
        default:
            throw field.error("unsupported normalizer type \"\(type)\"")
        }
    }
}

/// Small helpers on scalar arrays, which compare scalar by scalar (Swift `String` comparison
/// would treat canonically equivalent text as equal, which the library never does).
enum ScalarText {
    static func replacing(_ pattern: [Unicode.Scalar], with content: [Unicode.Scalar],
                          in text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let first = pattern.first, text.count >= pattern.count else { return text }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index] == first, index + pattern.count <= text.count,
               text[index..<(index + pattern.count)].elementsEqual(pattern) {
                result.append(contentsOf: content)
                index += pattern.count
            } else {
                result.append(text[index])
                index += 1
            }
        }
        return result
    }

    /// A `{"String": "..."}` pattern.
    fileprivate static func literalPattern(_ field: JSONField, component: String) throws(TokenizerError) -> [Unicode.Scalar] {
        if let literal = try field.optional("String") { return Array(try literal.string().unicodeScalars) }
        throw field.error("expected {\"String\": ...} or {\"Regex\": ...}")
    }

    /// The compiled `{"Regex": "..."}` pattern, nil for a string pattern.
    fileprivate static func regexPattern(_ field: JSONField, component: String) throws(TokenizerError) -> RegexProgram? {
        guard let regexField = try field.optional("Regex") else { return nil }
        let source = try regexField.string()
        do { return try RegexProgram(source) } catch {
            throw regexField.error("unsupported \(component) regex \(source.debugDescription): \(error.message)")
        }
    }

    /// Every match of `program` (empty ones included) replaced by `content`.
    static func replacing(_ program: RegexProgram, with content: [Unicode.Scalar],
                          in text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if text.isEmpty { return text }
        let matches = program.matches(in: text)
        if matches.isEmpty { return text }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var previous = 0
        for match in matches {
            result.append(contentsOf: text[previous..<match.lowerBound])
            result.append(contentsOf: content)
            previous = match.upperBound
        }
        result.append(contentsOf: text[previous...])
        return result
    }

    static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}

/// The `Replace` component, which the library has both as a normalizer and as a
/// decoder with the same fields and semantics: every non-overlapping occurrence
/// of a literal pattern, or every match of a regex (empty matches too, as the
/// library does), left to right, replaced by `content`.
struct ReplaceRule: Sendable {
    enum Pattern: Sendable {
        case literal([Unicode.Scalar])
        case regex(RegexProgram)
    }
    let pattern: Pattern
    let content: [Unicode.Scalar]

    /// Reads `{"pattern": {"String"|"Regex": ...}, "content": ...}`; `component`
    /// names the component in errors.
    static func read(_ field: JSONField, component: String) throws(TokenizerError) -> ReplaceRule {
        let content = Array(try field.required("content").string().unicodeScalars)
        let pattern = try field.required("pattern")
        if let regex = try ScalarText.regexPattern(pattern, component: component) {
            return ReplaceRule(pattern: .regex(regex), content: content)
        }
        return ReplaceRule(pattern: .literal(try ScalarText.literalPattern(pattern, component: component)), content: content)
    }

    func apply(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        switch pattern {
        case .literal(let literal): return ScalarText.replacing(literal, with: content, in: text)
        case .regex(let program): return ScalarText.replacing(program, with: content, in: text)
        }
    }
}
