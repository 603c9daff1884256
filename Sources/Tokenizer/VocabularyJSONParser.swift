/// Parses a BPE vocabulary file (`encoder.json` / `vocab.json`): one flat JSON object that maps
/// token strings to non-negative integer ids.
///
/// A small dedicated parser rather than JSONSerialization: it reads the 1 MB GPT-2 vocabulary
/// in a few milliseconds, creates no String or NSNumber per entry (keys are decoded into one
/// shared byte buffer), and can report the byte offset of a syntax error.
struct VocabularyJSONParser {
    /// One `"token": id` pair; the token's UTF-8 is `Result.text[textRange]`.
    struct Entry {
        var textRange: Range<Int>
        var id: Int
    }

    struct Result {
        /// The decoded (unescaped) UTF-8 of every key, concatenated.
        var text: [UInt8]
        /// In file order.
        var entries: [Entry]
    }

    /// Ids above this are rejected so a corrupt file cannot make us allocate a huge table.
    static let maximumID = 1 << 24

    private let bytes: [UInt8]
    private let path: String
    private var position = 0
    private var text: [UInt8] = []

    private init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    /// Parses the whole file. `path` only labels error messages.
    static func parse(_ bytes: [UInt8], path: String) throws(TokenizerError) -> Result {
        // Validating once up front lets the key scanner copy raw bytes without re-checking.
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw TokenizerError(path: path, problem: "malformed JSON: file is not valid UTF-8")
        }
        var parser = VocabularyJSONParser(bytes: bytes, path: path)
        let entries = try parser.parseObject()
        return Result(text: parser.text, entries: entries)
    }

    private mutating func parseObject() throws(TokenizerError) -> [Entry] {
        skipByteOrderMark()
        skipWhitespace()
        try expect(UInt8(ascii: "{"), "expected '{' at the start of the vocabulary object")
        var entries: [Entry] = []
        entries.reserveCapacity(bytes.count / 16)
        text.reserveCapacity(bytes.count / 2)
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                let token = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "expected ':' after a key")
                skipWhitespace()
                let id = try parseID(for: token)
                entries.append(Entry(textRange: token, id: id))
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"), "expected ',' or '}' after a value")
                break
            }
        }
        skipWhitespace()
        if position != bytes.count { throw malformed("unexpected content after the vocabulary object") }
        return entries
    }

    /// Appends the unescaped key to `text` and returns where it landed.
    private mutating func parseString() throws(TokenizerError) -> Range<Int> {
        try expect(UInt8(ascii: "\""), "expected a '\"'-quoted token string")
        let start = text.count
        while true {
            guard let byte = peek() else { throw malformed("unterminated string") }
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return start..<text.count
            case UInt8(ascii: "\\"):
                try appendEscape()
            default:
                text.append(byte)
            }
        }
    }

    /// Appends the character for the escape after a backslash to `text`.
    private mutating func appendEscape() throws(TokenizerError) {
        guard let escape = peek() else { throw malformed("unterminated escape") }
        position += 1
        let simple: UInt8?
        switch escape {
        case UInt8(ascii: "\""): simple = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): simple = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default: throw malformed("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
        }
        if let simple {
            text.append(simple)
            return
        }
        var value = try parseHex4()
        if (0xD800...0xDBFF).contains(value) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard peek() == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "u") else {
                throw malformed("unpaired surrogate in \\u escape")
            }
            position += 2
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw malformed("unpaired surrogate in \\u escape") }
            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(value) else { throw malformed("unpaired surrogate in \\u escape") }
        UTF8.encode(scalar) { text.append($0) }
    }

    private mutating func parseHex4() throws(TokenizerError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek(), let digit = hexValue(byte) else {
                throw malformed("expected four hex digits in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func parseID(for token: Range<Int>) throws(TokenizerError) -> Int {
        let start = position
        var value = 0
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            position += 1
            if value > Self.maximumID { throw malformed("id for \(quoted(token)) is larger than \(Self.maximumID)") }
        }
        if position == start {
            throw malformed("value for \(quoted(token)) is not a non-negative integer id")
        }
        if let next = peek(), next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            throw malformed("value for \(quoted(token)) is not an integer id")
        }
        return value
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws(TokenizerError) {
        guard peek() == byte else { throw malformed(message) }
        position += 1
    }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        position + ahead < bytes.count ? bytes[position + ahead] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func skipByteOrderMark() {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private func quoted(_ token: Range<Int>) -> String {
        let string = String(decoding: text[token], as: UTF8.self)
        return "\"" + string.unicodeScalars.map { $0.escaped(asASCII: true) }.joined() + "\""
    }

    private func malformed(_ message: String) -> TokenizerError {
        let location = position < bytes.count ? "at byte \(position)" : "at end of file"
        return TokenizerError(path: path, problem: "malformed JSON \(location): \(message)")
    }
}
