/// A `tokenizer.json` post-processor, for a single sequence. Only the ids matter here: the
/// ByteLevel processor only adjusts offsets, so it leaves ids unchanged.
indirect enum PostProcessor: Sendable {
    /// The ids before and after the sequence (TemplateProcessing's `single`, Bert, Roberta).
    case wrap(prefix: [Int], suffix: [Int])
    case byteLevel
    case sequence([PostProcessor])

    func apply(_ ids: [Int]) -> [Int] {
        switch self {
        case .wrap(let prefix, let suffix): return prefix + ids + suffix
        case .byteLevel: return ids
        case .sequence(let processors):
            var result = ids
            for processor in processors { result = processor.apply(result) }
            return result
        }
    }

    static func read(_ field: JSONField) throws(TokenizerError) -> PostProcessor {
        let type = try field.type()
        switch type {
        case "TemplateProcessing":
            var specials: [String: [Int]] = [:]
            for member in try field.required("special_tokens").members() {
                specials[member.key] = try member.value.required("ids").elements().map { f throws(TokenizerError) in try f.id() }
            }
            var prefix: [Int] = [], suffix: [Int] = []
            var seenSequence = false
            for item in try field.required("single").elements() {
                if let special = try item.optional("SpecialToken") {
                    let name = try special.required("id").string()
                    guard let ids = specials.first(where: { $0.key.utf8.elementsEqual(name.utf8) })?.value else {
                        throw special.error("special token \(name.debugDescription) is not in special_tokens")
                    }
                    if seenSequence { suffix += ids } else { prefix += ids }
                } else if let sequence = try item.optional("Sequence") {
                    guard try sequence.required("id").string() == "A", !seenSequence else {
                        throw sequence.error("a single-sequence template must hold sequence A once")
                    }
                    seenSequence = true
                } else {
                    throw item.error("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}")
                }
            }
            return .wrap(prefix: prefix, suffix: suffix)
        case "BertProcessing", "RobertaProcessing":
            func pair(_ key: String) throws(TokenizerError) -> Int {
                let parts = try field.required(key).elements()
                guard parts.count == 2 else { throw field.error("expected \(key) as [token, id]") }
                return try parts[1].id()
            }
            return .wrap(prefix: [try pair("cls")], suffix: [try pair("sep")])
        case "ByteLevel": return .byteLevel
        case "Sequence":
            var processors: [PostProcessor] = []
            for element in try field.required("processors").elements() { processors.append(try read(element)) }
            return .sequence(processors)
        default:
            throw field.error("unsupported post-processor type \"\(type)\"")
        }
    }
}

/// A `tokenizer.json` decoder: maps the token strings of an id sequence to text pieces,
/// which are then concatenated.
indirect enum TokenDecoder: Sendable {
    case byteLevel
    case metaspace(replacement: Unicode.Scalar, prependScheme: PrependScheme)
    case replace(ReplaceRule)
    case byteFallback
    case fuse
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    case wordPiece(prefix: String, cleanup: Bool)
    case bpe(suffix: String)
    case sequence([TokenDecoder])

    func decode(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for token in tokens {
                let start = bytes.count
                var mapped = true
                for scalar in token.unicodeScalars {
                    guard let byte = ByteUnicodeMap.byte(for: scalar) else { mapped = false; break }
                    bytes.append(byte)
                }
                // A token outside the byte alphabet (an added token) stands for its own UTF-8.
                if !mapped {
                    bytes.removeSubrange(start...)
                    bytes.append(contentsOf: token.utf8)
                }
            }
            return [String(decoding: bytes, as: UTF8.self)]
        case .metaspace(let replacement, let prependScheme):
            return tokens.enumerated().map { index, token in
                var view = String.UnicodeScalarView()
                for scalar in token.unicodeScalars {
                    if scalar == replacement {
                        // Every replacement in the first token is dropped, as in the library.
                        if index == 0 && prependScheme != .never { continue }
                        view.append(" ")
                    } else {
                        view.append(scalar)
                    }
                }
                return String(view)
            }
        case .replace(let rule):
            return tokens.map { ScalarText.string(rule.apply(Array($0.unicodeScalars))) }
        case .byteFallback:
            var result: [String] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let text = String(validating: pending, as: UTF8.self) {
                    result.append(text)
                } else {
                    result.append(contentsOf: repeatElement("\u{FFFD}", count: pending.count))
                }
                pending.removeAll()
            }
            for token in tokens {
                if let byte = Self.fallbackByte(token) { pending.append(byte); continue }
                flush()
                result.append(token)
            }
            flush()
            return result
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                let scalars = Array(token.unicodeScalars)
                var lower = 0, upper = scalars.count
                while lower < start, lower < upper, scalars[lower] == content { lower += 1 }
                var stripped = 0
                while stripped < stop, upper > lower, scalars[upper - 1] == content { upper -= 1; stripped += 1 }
                return ScalarText.string(scalars[lower..<upper])
            }
        case .wordPiece(let prefix, let cleanup):
            return tokens.enumerated().map { index, token in
                var text = token
                if index != 0 {
                    if token.utf8.starts(with: prefix.utf8) {
                        text = String(decoding: Array(token.utf8.dropFirst(prefix.utf8.count)), as: UTF8.self)
                    } else {
                        text = " " + token
                    }
                }
                return cleanup ? Self.cleanUp(text) : text
            }
        case .bpe(let suffix):
            return tokens.enumerated().map { index, token in
                let replacement = index == tokens.count - 1 ? "" : " "
                return ScalarText.string(ScalarText.replacing(Array(suffix.unicodeScalars), with: Array(replacement.unicodeScalars),
                                                              in: Array(token.unicodeScalars)))
            }
        case .sequence(let decoders):
            var current = tokens
            for decoder in decoders { current = decoder.decode(current) }
            return current
        }
    }

    /// `<0xAB>` -> 0xAB.
    static func fallbackByte(_ token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, utf8.starts(with: Array("<0x".utf8)), utf8[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }

    /// WordPiece's `cleanup`: undoes the spaces that tokenization put before punctuation.
    private static func cleanUp(_ text: String) -> String {
        var scalars = Array(text.unicodeScalars)
        for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                           (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            scalars = ScalarText.replacing(Array(from.unicodeScalars), with: Array(to.unicodeScalars), in: scalars)
        }
        return ScalarText.string(scalars)
    }

    static func read(_ field: JSONField) throws(TokenizerError) -> TokenDecoder {
        let type = try field.type()
        switch type {
        case "ByteLevel": return .byteLevel
        case "Metaspace":
            let (scalar, scheme) = try PrependScheme.readMetaspace(field)
            return .metaspace(replacement: scalar, prependScheme: scheme)
        case "Replace":
            return .replace(try ReplaceRule.read(field, component: "Replace decoder"))
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Strip":
            let content = try field.required("content").string().unicodeScalars
            guard content.count == 1, let scalar = content.first else { throw field.error("Strip content must be one character") }
            let start = try field.required("start").int(), stop = try field.required("stop").int()
            guard start >= 0, stop >= 0 else { throw field.error("Strip start and stop must be non-negative") }
            return .strip(content: scalar, start: start, stop: stop)
        case "WordPiece":
            return .wordPiece(prefix: try field.string("prefix", default: "##"), cleanup: try field.bool("cleanup", default: true))
        case "BPEDecoder":
            return .bpe(suffix: try field.string("suffix", default: "</w>"))
        case "Sequence":
            var decoders: [TokenDecoder] = []
            for element in try field.required("decoders").elements() { decoders.append(try read(element)) }
            return .sequence(decoders)
        default:
            throw field.error("unsupported decoder type \"\(type)\"")
        }
    }
}
