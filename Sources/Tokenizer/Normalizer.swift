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
    /// Replaces every non-overlapping occurrence of a literal pattern, left to right.
    case replace(pattern: [Unicode.Scalar], content: [Unicode.Scalar])
    /// Removes leading and/or trailing White_Space.
    case strip(left: Bool, right: Bool)
    case sequence([Normalizer])

    func apply(_ text: inout [Unicode.Scalar]) {
        switch self {
        case .nfc:
            // Below U+0300 (before the combining marks) every scalar is already NFC and
            // nothing composes with its neighbour.
            guard text.contains(where: { $0.value >= 0x300 }) else { return }
            Self.foundationForm(&text) { $0.precomposedStringWithCanonicalMapping }
        case .nfd: Self.foundationForm(&text) { $0.decomposedStringWithCanonicalMapping }
        case .nfkc: Self.foundationForm(&text) { $0.precomposedStringWithCompatibilityMapping }
        case .nfkd: Self.foundationForm(&text) { $0.decomposedStringWithCompatibilityMapping }
        case .lowercase:
            guard text.contains(where: { !$0.isASCII || (0x41...0x5A).contains($0.value) }) else { return }
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(text.count)
            for scalar in text {
                if scalar.isASCII {
                    lowered.append((0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 32)! : scalar)
                } else {
                    lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            text = lowered
        case .stripAccents:
            text.removeAll { scalar in
                switch scalar.properties.generalCategory {
                case .nonspacingMark, .spacingMark, .enclosingMark: return true
                default: return false
                }
            }
        case .prepend(let prefix):
            if !text.isEmpty { text.insert(contentsOf: prefix, at: 0) }
        case .replace(let pattern, let content):
            text = ScalarText.replacing(pattern, with: content, in: text)
        case .strip(let left, let right):
            var end = text.count
            if right { while end > 0, text[end - 1].properties.isWhitespace { end -= 1 } }
            var start = 0
            if left { while start < end, text[start].properties.isWhitespace { start += 1 } }
            if start != 0 || end != text.count { text = Array(text[start..<end]) }
        case .sequence(let normalizers):
            for normalizer in normalizers { normalizer.apply(&text) }
        }
    }

    /// Unicode normalization forms through Foundation; ASCII text is already in every form.
    private static func foundationForm(_ text: inout [Unicode.Scalar], _ form: (String) -> String) {
        guard text.contains(where: { !$0.isASCII }) else { return }
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
            return .replace(pattern: try ScalarText.literalPattern(field.required("pattern"), component: "Replace normalizer"),
                            content: Array(try field.required("content").string().unicodeScalars))
        case "Strip":
            return .strip(left: try field.bool("strip_left", default: true), right: try field.bool("strip_right", default: true))
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

    /// A `{"String": "..."}` pattern; `{"Regex": ...}` is refused here with a one-line error.
    static func literalPattern(_ field: JSONField, component: String) throws(TokenizerError) -> [Unicode.Scalar] {
        if let literal = try field.optional("String") { return Array(try literal.string().unicodeScalars) }
        if try field.optional("Regex") != nil {
            throw field.error("unsupported \(component) with a Regex pattern (only {\"String\": ...} patterns are supported)")
        }
        throw field.error("expected {\"String\": ...} or {\"Regex\": ...}")
    }

    static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
