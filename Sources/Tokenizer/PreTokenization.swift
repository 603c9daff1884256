/// One stretch of text on its way to the model.
struct TextPiece {
    var scalars: [Unicode.Scalar]
    /// Whether the piece starts at offset 0 of the original input (Metaspace's "first" scheme
    /// prepends only there).
    var atStart: Bool
}

/// How a split treats the matched delimiters (the library's `SplitDelimiterBehavior`).
enum SplitBehavior: Sendable {
    case removed, isolated, mergedWithPrevious, mergedWithNext, contiguous

    static func read(_ field: JSONField) throws(TokenizerError) -> SplitBehavior {
        let name = try field.string()
        switch name {
        case "Removed": return .removed
        case "Isolated": return .isolated
        case "MergedWithPrevious": return .mergedWithPrevious
        case "MergedWithNext": return .mergedWithNext
        case "Contiguous": return .contiguous
        default: throw field.error("unknown split behavior \"\(name)\"")
        }
    }

    /// Turns `(range, isMatch)` spans that cover the text in order into the kept ranges.
    func apply(_ spans: [(range: Range<Int>, isMatch: Bool)]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        result.reserveCapacity(spans.count)
        switch self {
        case .removed:
            for span in spans where !span.isMatch { result.append(span.range) }
        case .isolated:
            for span in spans { result.append(span.range) }
        case .mergedWithPrevious:
            var previousMatch = false
            for span in spans {
                if span.isMatch && !previousMatch, let last = result.last {
                    result[result.count - 1] = last.lowerBound..<span.range.upperBound
                } else {
                    result.append(span.range)
                }
                previousMatch = span.isMatch
            }
        case .mergedWithNext:
            var previousMatch = false
            for span in spans.reversed() {
                if span.isMatch && !previousMatch, let last = result.last {
                    result[result.count - 1] = span.range.lowerBound..<last.upperBound
                } else {
                    result.append(span.range)
                }
                previousMatch = span.isMatch
            }
            result.reverse()
        case .contiguous:
            var previousMatch = false
            for span in spans {
                if span.isMatch == previousMatch, let last = result.last {
                    result[result.count - 1] = last.lowerBound..<span.range.upperBound
                } else {
                    result.append(span.range)
                }
                previousMatch = span.isMatch
            }
        }
        return result
    }
}

/// The regular expressions of the `Split` pre-tokenizer that real checkpoints use, each run by
/// a hand-written scanner that reproduces the regex's leftmost-alternative, backtracking
/// semantics (Oniguruma, as the library uses): `\s` is White_Space, `\p{L}`/`\p{N}` are the
/// general categories, and the input is scanned by Unicode scalar.
enum SplitRegex: Sendable {
    /// GPT-2 / GPT-NeoX: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// Llama-3 / tiktoken cl100k (`\p{N}{1,3}`) and Qwen2 (`\p{N}`): case-insensitive
    /// contractions, an optional non-letter before a letter run, newline-aware whitespace.
    /// `foldsLongS`: the contractions are written `(?i:'s|...)`, and Oniguruma's case folding
    /// also lets `'ſ` (U+017F) match `'s`; the spelled-out variant `'[sS]|...` does not.
    case llama3(maximumDigits: Int, foldsLongS: Bool)
    /// The `Whitespace` pre-tokenizer: `\w+|[^\w\s]+`.
    case words
    /// Any other pattern, run by the general backtracking matcher.
    case program(RegexProgram)

    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let wordsPattern = #"\w+|[^\w\s]+"#
    /// The contractions as llama.cpp and some conversions spell them, without `(?i:)`.
    static let asciiContractions = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"#
    static let foldedContractions = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)"#

    init?(pattern: String) {
        var source = Array(pattern.utf8)
        var foldsLongS = true
        if source.starts(with: Array(Self.asciiContractions.utf8)) {
            source = Array(Self.foldedContractions.utf8) + source.dropFirst(Self.asciiContractions.utf8.count)
            foldsLongS = false
        }
        switch source {
        case Array(Self.gpt2Pattern.utf8): self = .gpt2
        case Array(Self.llama3Pattern.utf8): self = .llama3(maximumDigits: 3, foldsLongS: foldsLongS)
        case Array(Self.qwen2Pattern.utf8): self = .llama3(maximumDigits: 1, foldsLongS: foldsLongS)
        case Array(Self.wordsPattern.utf8): self = .words
        default: return nil
        }
    }

    /// The matches, in order. Every pattern here except `words` matches every scalar.
    func matches(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        if case .program(let program) = self { return program.matches(in: scalars) }
        var classes: [ScalarClass] = []
        classes.reserveCapacity(scalars.count)
        for scalar in scalars { classes.append(UnicodeClassTable.scalarClass(scalar)) }
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(scalars.count / 3 + 1)
        var start = 0
        switch self {
        case .gpt2:
            while start < scalars.count {
                let end = PreTokenizer.pieceEnd(startingAt: start, scalars: scalars, classes: classes)
                ranges.append(start..<end)
                start = end
            }
        case .llama3(let maximumDigits, let foldsLongS):
            while start < scalars.count {
                let end = Self.llama3PieceEnd(start, scalars, classes, maximumDigits, foldsLongS)
                ranges.append(start..<end)
                start = end
            }
        case .words:
            while start < scalars.count {
                if classes[start].isWhitespace { start += 1; continue }
                let word = UnicodeClassTable.isWord(scalars[start])
                var end = start + 1
                while end < scalars.count, !classes[end].isWhitespace, UnicodeClassTable.isWord(scalars[end]) == word { end += 1 }
                ranges.append(start..<end)
                start = end
            }
        case .program:
            break
        }
        return ranges
    }

    /// Oniguruma's Unicode `\w`: Alphabetic, marks, decimal digits, connector punctuation,
    /// Join_Control.
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool { UnicodeClassTable.isWord(scalar) }

    /// `isWordScalar` from the Unicode properties (fills `UnicodeClassTable`).
    static func computeIsWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
                || value == 0x5F
        }
        let properties = scalar.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    private static func isNewline(_ scalar: Unicode.Scalar) -> Bool { scalar == "\r" || scalar == "\n" }

    private static func isOther(_ c: ScalarClass) -> Bool { c == .other || c == .apostrophe }

    /// ASCII letters folded to lower case; U+017F (long s) folds to "s" when asked.
    private static func folded(_ scalar: Unicode.Scalar, longS: Bool) -> UInt32 {
        let v = scalar.value
        if (0x41...0x5A).contains(v) { return v + 32 }
        if longS && v == 0x17F { return 0x73 }
        return v
    }

    private static func llama3PieceEnd(_ start: Int, _ scalars: [Unicode.Scalar], _ classes: [ScalarClass],
                                       _ maximumDigits: Int, _ foldsLongS: Bool) -> Int {
        let count = scalars.count
        let first = classes[start]
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if first == .apostrophe, start + 1 < count {
            let next = folded(scalars[start + 1], longS: foldsLongS)
            let afterNext = start + 2 < count ? folded(scalars[start + 2], longS: foldsLongS) : 0
            switch next {
            case 0x73, 0x74, 0x6D, 0x64: return start + 2                      // s t m d
            case 0x72, 0x76: if afterNext == 0x65 { return start + 3 }        // re ve
            case 0x6C: if afterNext == 0x6C { return start + 3 }              // ll
            default: break
            }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        var letters = -1
        if first == .letter {
            letters = start
        } else if first != .number, !isNewline(scalars[start]), start + 1 < count, classes[start + 1] == .letter {
            letters = start + 1
        }
        if letters >= 0 {
            var end = letters + 1
            while end < count, classes[end] == .letter { end += 1 }
            return end
        }
        // \p{N}{1,n}
        if first == .number {
            var end = start + 1
            while end < count, end - start < maximumDigits, classes[end] == .number { end += 1 }
            return end
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        var runStart = start
        if first == .space, start + 1 < count, isOther(classes[start + 1]) { runStart = start + 1 }
        if isOther(classes[runStart]) {
            var end = runStart + 1
            while end < count, isOther(classes[end]) { end += 1 }
            while end < count, isNewline(scalars[end]) { end += 1 }
            return end
        }
        // Whitespace from here on.
        var end = start + 1
        while end < count, classes[end].isWhitespace { end += 1 }
        // \s*[\r\n]+ : up to and including the run's last newline.
        var lastNewline = end - 1
        while lastNewline >= start, !isNewline(scalars[lastNewline]) { lastNewline -= 1 }
        if lastNewline >= start { return lastNewline + 1 }
        // \s+(?!\S) then \s+
        if end < count, end - start >= 2 { return end - 1 }
        return end
    }
}

/// What a `Split` pre-tokenizer splits on.
enum SplitPattern: Sendable {
    case literal([Unicode.Scalar])
    case regex(SplitRegex)

    func spans(in scalars: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] {
        let matches: [Range<Int>]
        switch self {
        case .regex(let regex):
            matches = regex.matches(in: scalars)
        case .literal(let pattern):
            var found: [Range<Int>] = []
            if let first = pattern.first {
                var index = 0
                while index + pattern.count <= scalars.count {
                    if scalars[index] == first, scalars[index..<(index + pattern.count)].elementsEqual(pattern) {
                        found.append(index..<(index + pattern.count))
                        index += pattern.count
                    } else {
                        index += 1
                    }
                }
            }
            matches = found
        }
        return Self.spans(matches: matches, count: scalars.count)
    }

    static func spans(matches: [Range<Int>], count: Int) -> [(range: Range<Int>, isMatch: Bool)] {
        var spans: [(range: Range<Int>, isMatch: Bool)] = []
        spans.reserveCapacity(matches.count * 2 + 1)
        var previous = 0
        for match in matches {
            if previous < match.lowerBound { spans.append((previous..<match.lowerBound, false)) }
            spans.append((match, true))
            previous = match.upperBound
        }
        if previous < count { spans.append((previous..<count, false)) }
        return spans
    }

    /// Each scalar satisfying `predicate` is its own match.
    static func spans(in scalars: [Unicode.Scalar], where predicate: (Unicode.Scalar) -> Bool)
        -> [(range: Range<Int>, isMatch: Bool)] {
        var spans: [(range: Range<Int>, isMatch: Bool)] = []
        var previous = 0
        for (index, scalar) in scalars.enumerated() where predicate(scalar) {
            if previous < index { spans.append((previous..<index, false)) }
            spans.append((index..<(index + 1), true))
            previous = index + 1
        }
        if previous < scalars.count { spans.append((previous..<scalars.count, false)) }
        return spans
    }
}

enum PrependScheme: Sendable {
    case always, first, never

    /// The settings the Metaspace pre-tokenizer and decoder share: the one-character
    /// `replacement` and the prepend scheme (older files say `add_prefix_space`).
    static func readMetaspace(_ field: JSONField) throws(TokenizerError) -> (replacement: Unicode.Scalar, scheme: PrependScheme) {
        let replacement = try field.required("replacement").string().unicodeScalars
        guard replacement.count == 1, let scalar = replacement.first else {
            throw field.error("Metaspace replacement must be one character")
        }
        let legacy = try field.optional("add_prefix_space")?.bool()
        return (scalar, try read(field.optional("prepend_scheme"), legacyAddPrefixSpace: legacy))
    }

    static func read(_ field: JSONField?, legacyAddPrefixSpace: Bool?) throws(TokenizerError) -> PrependScheme {
        guard let field else { return legacyAddPrefixSpace == false ? .never : .always }
        let name = try field.string()
        switch name {
        case "always": return .always
        case "first": return .first
        case "never": return .never
        default: throw field.error("unknown prepend_scheme \"\(name)\"")
        }
    }
}

/// A `tokenizer.json` pre-tokenizer.
indirect enum PreTokenizerStep: Sendable {
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case split(SplitPattern, behavior: SplitBehavior, invert: Bool)
    case whitespace
    case whitespaceSplit
    case metaspace(replacement: Unicode.Scalar, prependScheme: PrependScheme, split: Bool)
    case digits(individual: Bool)
    case punctuation(SplitBehavior)
    case bert
    case sequence([PreTokenizerStep])

    /// Splits (and, for ByteLevel and Metaspace, rewrites) every piece.
    func apply(_ pieces: [TextPiece]) -> [TextPiece] {
        if case .sequence(let steps) = self {
            var current = pieces
            for step in steps { current = step.apply(current) }
            return current
        }
        var result: [TextPiece] = []
        result.reserveCapacity(pieces.count * 4)
        for piece in pieces { apply(piece, into: &result) }
        return result
    }

    private func apply(_ piece: TextPiece, into result: inout [TextPiece]) {
        func emit(_ scalars: [Unicode.Scalar], _ ranges: [Range<Int>], atStart: Bool) {
            for range in ranges where !range.isEmpty {
                result.append(TextPiece(scalars: Array(scalars[range]), atStart: atStart && range.lowerBound == 0))
            }
        }
        let scalars = piece.scalars
        switch self {
        case .byteLevel(let addPrefixSpace, let useRegex):
            var text = scalars
            if addPrefixSpace, text.first != " " { text.insert(" ", at: 0) }
            let ranges = useRegex ? SplitRegex.gpt2.matches(in: text) : [0..<text.count]
            for range in ranges where !range.isEmpty {
                var mapped: [Unicode.Scalar] = []
                mapped.reserveCapacity(range.count * 2)
                for scalar in text[range] {
                    UTF8.encode(scalar) { mapped.append(ByteUnicodeMap.scalarForByte[Int($0)]) }
                }
                result.append(TextPiece(scalars: mapped, atStart: piece.atStart && range.lowerBound == 0))
            }
        case .split(let pattern, let behavior, let invert):
            var spans = pattern.spans(in: scalars)
            if invert { for index in spans.indices { spans[index].isMatch.toggle() } }
            emit(scalars, behavior.apply(spans), atStart: piece.atStart)
        case .whitespace:
            emit(scalars, SplitRegex.words.matches(in: scalars), atStart: piece.atStart)
        case .whitespaceSplit:
            emit(scalars, SplitBehavior.removed.apply(SplitPattern.spans(in: scalars) { UnicodeClassTable.isWhitespace($0) }),
                 atStart: piece.atStart)
        case .metaspace(let replacement, let prependScheme, let split):
            var text = scalars
            for index in text.indices where text[index] == " " { text[index] = replacement }
            let prepend = text.first != replacement
                && (prependScheme == .always || (prependScheme == .first && piece.atStart))
            if prepend { text.insert(replacement, at: 0) }
            if split {
                emit(text, SplitBehavior.mergedWithNext.apply(SplitPattern.spans(in: text) { $0 == replacement }),
                     atStart: piece.atStart)
            } else if !text.isEmpty {
                result.append(TextPiece(scalars: text, atStart: piece.atStart))
            }
        case .digits(let individual):
            let behavior: SplitBehavior = individual ? .isolated : .contiguous
            emit(scalars, behavior.apply(SplitPattern.spans(in: scalars) { Self.isNumeric($0) }), atStart: piece.atStart)
        case .punctuation(let behavior):
            emit(scalars, behavior.apply(SplitPattern.spans(in: scalars) { Self.isPunctuation($0) }), atStart: piece.atStart)
        case .bert:
            var words: [TextPiece] = []
            PreTokenizerStep.whitespaceSplit.apply(piece, into: &words)
            for word in words { PreTokenizerStep.punctuation(.isolated).apply(word, into: &result) }
        case .sequence:
            for sub in apply([piece]) { result.append(sub) }
        }
    }

    /// Rust's `char::is_numeric`: general categories Nd, Nl, No.
    static func isNumeric(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return (0x30...0x39).contains(scalar.value) }
        return UnicodeClassTable.isNumeric(scalar)
    }

    /// ASCII punctuation or any Unicode P* category (the library's `is_punc`).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool { UnicodeClassTable.isPunctuation(scalar) }

    static func read(_ field: JSONField) throws(TokenizerError) -> PreTokenizerStep {
        let type = try field.type()
        switch type {
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try field.bool("add_prefix_space", default: true),
                              useRegex: try field.bool("use_regex", default: true))
        case "Split":
            let patternField = try field.required("pattern")
            let pattern: SplitPattern
            if let literal = try patternField.optional("String") {
                pattern = .literal(Array(try literal.string().unicodeScalars))
            } else if let regexField = try patternField.optional("Regex") {
                let source = try regexField.string()
                if let regex = SplitRegex(pattern: source) {
                    pattern = .regex(regex)
                } else {
                    do {
                        pattern = .regex(.program(try RegexProgram(source)))
                    } catch {
                        throw regexField.error("unsupported Split pre-tokenizer regex \(source.debugDescription): \(error.message)")
                    }
                }
            } else {
                throw patternField.error("expected {\"String\": ...} or {\"Regex\": ...}")
            }
            return .split(pattern, behavior: try SplitBehavior.read(field.required("behavior")),
                          invert: try field.bool("invert", default: false))
        case "Whitespace": return .whitespace
        case "WhitespaceSplit": return .whitespaceSplit
        case "BertPreTokenizer": return .bert
        case "Metaspace":
            let (scalar, scheme) = try PrependScheme.readMetaspace(field)
            return .metaspace(replacement: scalar, prependScheme: scheme,
                              split: try field.bool("split", default: true))
        case "Digits": return .digits(individual: try field.bool("individual_digits", default: false))
        case "Punctuation":
            return .punctuation(try field.optional("behavior").map { f throws(TokenizerError) in try SplitBehavior.read(f) } ?? .isolated)
        case "Sequence":
            var steps: [PreTokenizerStep] = []
            for element in try field.required("pretokenizers").elements() { steps.append(try read(element)) }
            return .sequence(steps)
        default:
            throw field.error("unsupported pre-tokenizer type \"\(type)\"")
        }
    }
}
