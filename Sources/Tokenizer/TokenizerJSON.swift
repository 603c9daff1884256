/// The JSON tree of a `tokenizer.json` file, with the path-aware accessors its reader uses.
///
/// A dedicated parser rather than JSONSerialization: object keys keep their exact Unicode
/// scalars and file order (Foundation would merge canonically equivalent keys such as "é" and
/// "e\u{301}", which are different tokens), and every accessor knows its JSON path, so a
/// malformed file is reported as `tokenizer.json: at model.merges[12]: expected a string`.
indirect enum JSONNode {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONNode])
    case object([(key: String, value: JSONNode)])

    static func parse(_ bytes: [UInt8], path: String) throws(TokenizerError) -> JSONNode {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw TokenizerError(path: path, problem: "malformed JSON: file is not valid UTF-8")
        }
        var parser = Parser(bytes: bytes, path: path)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.position = 3 }
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        if parser.position != bytes.count { throw parser.malformed("unexpected content after the top-level value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        let path: String
        var position = 0

        init(bytes: [UInt8], path: String) {
            self.bytes = bytes
            self.path = path
        }

        func malformed(_ message: String) -> TokenizerError {
            let location = position < bytes.count ? "at byte \(position)" : "at end of file"
            return TokenizerError(path: path, problem: "malformed JSON \(location): \(message)")
        }

        func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
        }

        mutating func expect(_ byte: UInt8, _ message: String) throws(TokenizerError) {
            guard peek() == byte else { throw malformed(message) }
            position += 1
        }

        mutating func literal(_ word: String, _ value: JSONNode) throws(TokenizerError) -> JSONNode {
            let utf8 = Array(word.utf8)
            guard position + utf8.count <= bytes.count, bytes[position..<(position + utf8.count)].elementsEqual(utf8) else {
                throw malformed("unexpected character")
            }
            position += utf8.count
            return value
        }

        mutating func value(depth: Int) throws(TokenizerError) -> JSONNode {
            guard depth < 256 else { throw malformed("nesting deeper than 256 levels") }
            guard let byte = peek() else { throw malformed("expected a value") }
            switch byte {
            case UInt8(ascii: "{"):
                position += 1
                var members: [(key: String, value: JSONNode)] = []
                skipWhitespace()
                if peek() == UInt8(ascii: "}") { position += 1; return .object(members) }
                while true {
                    skipWhitespace()
                    let key = try string()
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"), "expected ':' after an object key")
                    skipWhitespace()
                    members.append((key, try value(depth: depth + 1)))
                    skipWhitespace()
                    if peek() == UInt8(ascii: ",") { position += 1; continue }
                    try expect(UInt8(ascii: "}"), "expected ',' or '}' in an object")
                    return .object(members)
                }
            case UInt8(ascii: "["):
                position += 1
                var elements: [JSONNode] = []
                skipWhitespace()
                if peek() == UInt8(ascii: "]") { position += 1; return .array(elements) }
                while true {
                    skipWhitespace()
                    elements.append(try value(depth: depth + 1))
                    skipWhitespace()
                    if peek() == UInt8(ascii: ",") { position += 1; continue }
                    try expect(UInt8(ascii: "]"), "expected ',' or ']' in an array")
                    return .array(elements)
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default:
                return .number(try number())
            }
        }

        mutating func number() throws(TokenizerError) -> Double {
            let start = position
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
                    || byte == UInt8(ascii: "E") {
                position += 1
            }
            guard position > start, let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else {
                position = start
                throw malformed("expected a value")
            }
            return value
        }

        mutating func string() throws(TokenizerError) -> String {
            try expect(UInt8(ascii: "\""), "expected a '\"'-quoted string")
            let start = position
            // Fast path: no escapes.
            while let byte = peek(), byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") { position += 1 }
            if peek() == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: bytes[start..<(position - 1)], as: UTF8.self)
            }
            var text = Array(bytes[start..<position])
            while true {
                guard let byte = peek() else { throw malformed("unterminated string") }
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: text, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escape = peek() else { throw malformed("unterminated escape") }
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
                    case UInt8(ascii: "b"): text.append(0x08)
                    case UInt8(ascii: "f"): text.append(0x0C)
                    case UInt8(ascii: "n"): text.append(0x0A)
                    case UInt8(ascii: "r"): text.append(0x0D)
                    case UInt8(ascii: "t"): text.append(0x09)
                    case UInt8(ascii: "u"):
                        var value = try hex4()
                        if (0xD800...0xDBFF).contains(value) {
                            guard peek() == UInt8(ascii: "\\"), position + 1 < bytes.count,
                                  bytes[position + 1] == UInt8(ascii: "u") else {
                                throw malformed("unpaired surrogate in \\u escape")
                            }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw malformed("unpaired surrogate in \\u escape") }
                            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(value) else { throw malformed("unpaired surrogate in \\u escape") }
                        UTF8.encode(scalar) { text.append($0) }
                    default:
                        throw malformed("invalid escape")
                    }
                default:
                    text.append(byte)
                }
            }
        }

        mutating func hex4() throws(TokenizerError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = peek() else { throw malformed("expected four hex digits in \\u escape") }
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw malformed("expected four hex digits in \\u escape")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }
    }
}

/// Where a node sits in the file; spelled out only for an error message, so reading a
/// 150k-entry vocabulary builds no path strings.
indirect enum JSONPath {
    case root
    /// A configuration field, `parent.key`.
    case member(JSONPath, String)
    /// An entry of a map such as the vocabulary, `parent["key"]`.
    case entry(JSONPath, String)
    case element(JSONPath, Int)

    /// e.g. `pre_tokenizer.pretokenizers[1].pattern`, `model.vocab["a"]`
    var description: String {
        switch self {
        case .root: return ""
        case .member(let parent, let key):
            let prefix = parent.description
            return prefix.isEmpty ? key : prefix + "." + key
        case .entry(let parent, let key):
            return parent.description + "[\"" + key.unicodeScalars.map { $0.escaped(asASCII: true) }.joined() + "\"]"
        case .element(let parent, let index):
            return parent.description + "[\(index)]"
        }
    }
}

/// A JSON node with its path in the file, for reading a configuration and naming the exact
/// place of a problem.
struct JSONField {
    let node: JSONNode
    let location: JSONPath
    /// The file, for error messages.
    let file: String

    init(node: JSONNode, location: JSONPath = .root, file: String) {
        self.node = node
        self.location = location
        self.file = file
    }

    func error(_ problem: String) -> TokenizerError {
        let path = location.description
        return TokenizerError(path: file, problem: "at \(path.isEmpty ? "top level" : path): \(problem)")
    }

    var isNull: Bool { if case .null = node { return true }; return false }

    /// The member `key`, or nil when it is absent or null.
    func optional(_ key: String) throws(TokenizerError) -> JSONField? {
        guard case .object(let members) = node else { throw error("expected an object") }
        // Keys are ASCII configuration names here; compare bytes to avoid Unicode equivalence.
        for member in members where member.key.utf8.elementsEqual(key.utf8) {
            if case .null = member.value { return nil }
            return JSONField(node: member.value, location: .member(location, key), file: file)
        }
        return nil
    }

    func required(_ key: String) throws(TokenizerError) -> JSONField {
        guard let field = try optional(key) else {
            _ = try members()
            throw error("missing \"\(key)\"")
        }
        return field
    }

    func members() throws(TokenizerError) -> [(key: String, value: JSONField)] {
        guard case .object(let members) = node else { throw error("expected an object") }
        return members.map { (key: $0.key, value: JSONField(node: $0.value, location: .entry(location, $0.key), file: file)) }
    }

    func elements() throws(TokenizerError) -> [JSONField] {
        guard case .array(let elements) = node else { throw error("expected an array") }
        return elements.enumerated().map { JSONField(node: $0.element, location: .element(location, $0.offset), file: file) }
    }

    func string() throws(TokenizerError) -> String {
        guard case .string(let value) = node else { throw error("expected a string") }
        return value
    }

    func bool() throws(TokenizerError) -> Bool {
        guard case .bool(let value) = node else { throw error("expected true or false") }
        return value
    }

    func double() throws(TokenizerError) -> Double {
        guard case .number(let value) = node else { throw error("expected a number") }
        return value
    }

    func int() throws(TokenizerError) -> Int {
        guard case .number(let value) = node, value == value.rounded(), abs(value) < 1e15 else {
            throw error("expected an integer")
        }
        return Int(value)
    }

    /// A token id: a non-negative integer, at most `VocabularyJSONParser.maximumID` so that a
    /// corrupt file cannot make us allocate a huge id table.
    func id() throws(TokenizerError) -> Int {
        let value = try int()
        guard value >= 0, value <= VocabularyJSONParser.maximumID else {
            throw error("expected a token id (an integer from 0 to \(VocabularyJSONParser.maximumID))")
        }
        return value
    }

    func string(_ key: String, default value: String) throws(TokenizerError) -> String {
        try optional(key)?.string() ?? value
    }

    func bool(_ key: String, default value: Bool) throws(TokenizerError) -> Bool {
        try optional(key)?.bool() ?? value
    }

    /// The component's `type` member.
    func type() throws(TokenizerError) -> String {
        try required("type").string()
    }
}
