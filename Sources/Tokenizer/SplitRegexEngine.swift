import Foundation

/// A backtracking matcher for the `Split` pre-tokenizer's regexes that have no hand-written
/// scanner, in the dialect the library uses (Oniguruma, Ruby syntax) as far as tokenizer
/// patterns need it: alternation, groups (`(?:...)`, `(?i:...)`, `(?i)`, captures), classes
/// with ranges, negation and nesting, `\s \S \d \D \w \W \p{..} \P{..}`, `.`, the greedy,
/// lazy and possessive quantifiers, look-ahead, and the anchors `^ $ \A \z`. Matching is by
/// Unicode scalar, leftmost-first like Oniguruma. Anything else is refused when the
/// tokenizer is read, so an unsupported pattern never tokenizes silently wrong.
struct RegexProgram: Sendable {
    fileprivate let root: RegexNode
    /// Whether a group (not a single-scalar set) is repeated: matching then recurses once per
    /// iteration, so long texts are matched on a thread with a large stack.
    private let repeatsGroups: Bool

    struct ParseError: Error { var message: String }

    init(_ pattern: String) throws(ParseError) {
        var parser = RegexParser(scalars: Array(pattern.unicodeScalars))
        root = try parser.parseAlternation(caseInsensitive: false)
        if parser.position < parser.scalars.count { throw ParseError(message: "unbalanced ')'") }
        repeatsGroups = Self.repeatsGroups(root)
    }

    private static func repeatsGroups(_ node: RegexNode) -> Bool {
        switch node {
        case .set, .lineStart, .lineEnd, .textStart, .textEnd: return false
        case .sequence(let nodes), .alternation(let nodes): return nodes.contains(where: repeatsGroups)
        case .lookahead(let inner, _): return repeatsGroups(inner)
        case .repetition(let inner, _, let max, _):
            if case .set = inner { return false }
            return max > 1 || repeatsGroups(inner)
        }
    }

    /// Texts longer than this are matched on a thread with `largeStack` bytes of stack when
    /// the pattern repeats groups.
    private static let longText = 2_000
    private static let largeStack = 1 << 30

    /// Non-overlapping matches left to right, as `find_iter`. Empty matches are kept: they
    /// still cut the text (the pieces around them are separate), as in the library.
    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] {
        guard repeatsGroups, text.count > Self.longText else { return findAll(in: text) }
        final class Box: @unchecked Sendable { var result: [Range<Int>] = [] }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let program = self
        let thread = Thread {
            box.result = program.findAll(in: text)
            done.signal()
        }
        thread.stackSize = Self.largeStack
        thread.start()
        done.wait()
        return box.result
    }

    private func findAll(in text: [Unicode.Scalar]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        while start <= text.count {
            var found: Range<Int>?
            var candidate = start
            while candidate <= text.count {
                var end = -1
                if RegexMatcher(text: text).match(root, candidate, { end = $0; return true }) {
                    found = candidate..<end
                    break
                }
                candidate += 1
            }
            guard let match = found else { break }
            // As Oniguruma's iterator: an empty match right where the previous match ended
            // is skipped.
            if !(match.isEmpty && result.last?.upperBound == match.lowerBound) { result.append(match) }
            start = match.isEmpty ? match.upperBound + 1 : match.upperBound
        }
        return result
    }
}

private indirect enum RegexNode: Sendable {
    case set(ScalarSet)
    case sequence([RegexNode])
    case alternation([RegexNode])
    case repetition(RegexNode, min: Int, max: Int, mode: RepetitionMode)
    case lookahead(RegexNode, negative: Bool)
    case lineStart, lineEnd, textStart, textEnd
}

private enum RepetitionMode: Sendable { case greedy, lazy, possessive }

/// A set of scalars: items OR-ed together, optionally negated.
private struct ScalarSet: Sendable {
    enum Item: Sendable {
        case range(UInt32, UInt32)
        case category(Set<Unicode.GeneralCategory>, negated: Bool)
        case whitespace(negated: Bool)
        case word(negated: Bool)
        case any(exceptNewline: Bool)
        case nested(ScalarSet)
    }
    var items: [Item] = []
    var negated = false
    var caseInsensitive = false

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        var found = containsExactly(scalar)
        if !found && caseInsensitive { found = Self.caseVariants(scalar).contains(where: containsExactly) }
        return found != negated
    }

    private func containsExactly(_ scalar: Unicode.Scalar) -> Bool {
        for item in items {
            switch item {
            case .range(let low, let high): if (low...high).contains(scalar.value) { return true }
            case .category(let categories, let negated):
                if categories.contains(scalar.properties.generalCategory) != negated { return true }
            case .whitespace(let negated): if UnicodeClassTable.isWhitespace(scalar) != negated { return true }
            case .word(let negated): if UnicodeClassTable.isWord(scalar) != negated { return true }
            case .any(let exceptNewline): if !exceptNewline || scalar != "\n" { return true }
            case .nested(let set): if set.contains(scalar) { return true }
            }
        }
        return false
    }

    /// Simple case variants, plus the folds Oniguruma applies that have no simple mapping.
    static func caseVariants(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        var variants: [Unicode.Scalar] = []
        for mapping in [scalar.properties.lowercaseMapping, scalar.properties.uppercaseMapping] {
            let scalars = mapping.unicodeScalars
            if scalars.count == 1, let only = scalars.first, only != scalar { variants.append(only) }
        }
        if scalar.value == 0x17F { variants += ["s", "S"] }             // long s
        if scalar == "s" || scalar == "S" { variants.append("\u{17F}") }
        if scalar.value == 0x212A { variants += ["k", "K"] }            // Kelvin sign
        if scalar == "k" || scalar == "K" { variants.append("\u{212A}") }
        return variants
    }
}

private struct RegexMatcher {
    let text: [Unicode.Scalar]

    /// Matches `node` at `position`, then calls `next` with the end; true when `next` does.
    func match(_ node: RegexNode, _ position: Int, _ next: (Int) -> Bool) -> Bool {
        switch node {
        case .set(let set):
            guard position < text.count, set.contains(text[position]) else { return false }
            return next(position + 1)
        case .sequence(let nodes):
            return matchSequence(nodes, 0, position, next)
        case .alternation(let branches):
            for branch in branches where match(branch, position, next) { return true }
            return false
        case .repetition(let inner, let min, let max, let mode):
            if case .set(let set) = inner { return repeatSet(set, min, max, mode, position, next) }
            return repeatNode(inner, min, max, mode, 0, position, next)
        case .lookahead(let inner, let negative):
            let found = match(inner, position) { _ in true }
            return found != negative && next(position)
        case .lineStart:
            return (position == 0 || text[position - 1] == "\n") && next(position)
        case .lineEnd:
            return (position == text.count || text[position] == "\n") && next(position)
        case .textStart:
            return position == 0 && next(position)
        case .textEnd:
            return position == text.count && next(position)
        }
    }

    private func matchSequence(_ nodes: [RegexNode], _ index: Int, _ position: Int, _ next: (Int) -> Bool) -> Bool {
        if index == nodes.count { return next(position) }
        return match(nodes[index], position) { matchSequence(nodes, index + 1, $0, next) }
    }

    /// A repeated single-scalar set, iteratively (a long run must not recurse per scalar).
    private func repeatSet(_ set: ScalarSet, _ min: Int, _ max: Int, _ mode: RepetitionMode,
                           _ position: Int, _ next: (Int) -> Bool) -> Bool {
        var available = 0
        while available < max, position + available < text.count, set.contains(text[position + available]) {
            available += 1
        }
        guard available >= min else { return false }
        switch mode {
        case .possessive:
            return next(position + available)
        case .greedy:
            var count = available
            while count >= min {
                if next(position + count) { return true }
                count -= 1
            }
            return false
        case .lazy:
            for count in min...available where next(position + count) { return true }
            return false
        }
    }

    private func repeatNode(_ node: RegexNode, _ min: Int, _ max: Int, _ mode: RepetitionMode, _ done: Int,
                            _ position: Int, _ next: (Int) -> Bool) -> Bool {
        if mode == .possessive {
            var end = position, count = 0
            while count < max, let advanced = firstEnd(node, end), advanced > end || count < min {
                end = advanced
                count += 1
            }
            return count >= min && next(end)
        }
        func more() -> Bool {
            done < max && match(node, position) { end in
                // An iteration that consumes nothing ends the loop, as in Oniguruma.
                end > position && repeatNode(node, min, max, mode, done + 1, end, next)
            }
        }
        if done < min {
            return match(node, position) { repeatNode(node, min, max, mode, done + 1, $0, next) }
        }
        if mode == .greedy { return more() || next(position) }
        return next(position) || more()
    }

    private func firstEnd(_ node: RegexNode, _ position: Int) -> Int? {
        var result: Int?
        _ = match(node, position) { result = $0; return true }
        return result
    }
}

private struct RegexParser {
    let scalars: [Unicode.Scalar]
    var position = 0

    init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    private func fail(_ message: String) -> RegexProgram.ParseError { RegexProgram.ParseError(message: message) }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    mutating func parseAlternation(caseInsensitive: Bool) throws(RegexProgram.ParseError) -> RegexNode {
        var flags = caseInsensitive
        var branches = [try parseSequence(&flags)]
        while peek() == "|" {
            position += 1
            branches.append(try parseSequence(&flags))
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseSequence(_ caseInsensitive: inout Bool) throws(RegexProgram.ParseError) -> RegexNode {
        var nodes: [RegexNode] = []
        while let scalar = peek(), scalar != "|", scalar != ")" {
            // `(?i)` switches case-insensitivity on for the rest of the enclosing group.
            if scalar == "(", peek(1) == "?", peek(2) == "i", peek(3) == ")" {
                position += 4
                caseInsensitive = true
                continue
            }
            let atom = try parseAtom(caseInsensitive: caseInsensitive)
            nodes.append(try parseQuantifier(atom))
        }
        return nodes.count == 1 ? nodes[0] : .sequence(nodes)
    }

    private mutating func parseQuantifier(_ atom: RegexNode) throws(RegexProgram.ParseError) -> RegexNode {
        var min = 1, max = 1
        switch peek() {
        case "*": min = 0; max = Int.max; position += 1
        case "+": min = 1; max = Int.max; position += 1
        case "?": min = 0; max = 1; position += 1
        case "{":
            guard let bounds = try parseBounds() else { return atom }
            (min, max) = bounds
        default:
            return atom
        }
        var mode = RepetitionMode.greedy
        if peek() == "?" { mode = .lazy; position += 1 } else if peek() == "+" { mode = .possessive; position += 1 }
        if case .lookahead = atom { throw fail("quantified look-ahead") }
        return .repetition(atom, min: min, max: max, mode: mode)
    }

    /// `{n}`, `{n,}`, `{n,m}`, `{,m}`; nil (a literal `{`) when it is not one of those.
    private mutating func parseBounds() throws(RegexProgram.ParseError) -> (Int, Int)? {
        var index = position + 1
        func number() -> Int? {
            var value: Int?
            while index < scalars.count, let digit = Int(String(scalars[index])), scalars[index].isASCII {
                value = (value ?? 0) * 10 + digit
                index += 1
            }
            return value
        }
        let low = number()
        var high = low
        if index < scalars.count, scalars[index] == "," {
            index += 1
            high = number() ?? Int.max
        }
        guard index < scalars.count, scalars[index] == "}", low != nil || high != nil else { return nil }
        position = index + 1
        let min = low ?? 0, max = high ?? Int.max
        guard min <= max else { throw fail("quantifier {\(min),\(max)} has its bounds reversed") }
        return (min, max)
    }

    private mutating func parseAtom(caseInsensitive: Bool) throws(RegexProgram.ParseError) -> RegexNode {
        guard let scalar = peek() else { throw fail("unexpected end") }
        position += 1
        func single(_ items: [ScalarSet.Item]) -> RegexNode {
            .set(ScalarSet(items: items, negated: false, caseInsensitive: caseInsensitive))
        }
        switch scalar {
        case "(":
            var insensitive = caseInsensitive
            var lookahead: Bool?
            if peek() == "?" {
                position += 1
                switch peek() {
                case ":": position += 1
                case "=": position += 1; lookahead = false
                case "!": position += 1; lookahead = true
                case "i":
                    guard peek(1) == ":" else { throw fail("unsupported group flags") }
                    position += 2
                    insensitive = true
                case "-":
                    guard peek(1) == "i", peek(2) == ":" else { throw fail("unsupported group flags") }
                    position += 3
                    insensitive = false
                case "<":
                    if peek(1) == "=" || peek(1) == "!" { throw fail("look-behind is not supported") }
                    while let c = peek(), c != ">" { position += 1 }   // a named group
                    guard peek() == ">" else { throw fail("unterminated group name") }
                    position += 1
                default: throw fail("unsupported group syntax")
                }
            }
            let inner = try parseAlternation(caseInsensitive: insensitive)
            guard peek() == ")" else { throw fail("missing ')'") }
            position += 1
            if let negative = lookahead { return .lookahead(inner, negative: negative) }
            return inner
        case "[":
            var set = try parseClass()
            set.caseInsensitive = caseInsensitive
            return .set(set)
        case ".": return single([.any(exceptNewline: true)])
        case "^": return .lineStart
        case "$": return .lineEnd
        case "\\":
            guard let escape = peek() else { throw fail("trailing backslash") }
            switch escape {
            case "A": position += 1; return .textStart
            case "z": position += 1; return .textEnd
            case "b", "B", "G", "Z", "K", "R", "X": throw fail("\\\(escape) is not supported")
            default: return single([try parseEscape()])
            }
        case "*", "+", "?": throw fail("nothing to repeat")
        default:
            return single([.range(scalar.value, scalar.value)])
        }
    }

    /// After `[`: items up to the closing `]`.
    private mutating func parseClass() throws(RegexProgram.ParseError) -> ScalarSet {
        var set = ScalarSet()
        if peek() == "^" { set.negated = true; position += 1 }
        var first = true
        while true {
            guard let scalar = peek() else { throw fail("missing ']'") }
            if scalar == "]" && !first { position += 1; return set }
            first = false
            if scalar == "[" {
                position += 1
                if peek() == ":" { throw fail("POSIX bracket classes are not supported") }
                set.items.append(.nested(try parseClass()))
                continue
            }
            if scalar == "&", peek(1) == "&" { throw fail("class intersection is not supported") }
            let item: ScalarSet.Item
            if scalar == "\\" {
                position += 1
                item = try parseEscape()
            } else {
                position += 1
                item = .range(scalar.value, scalar.value)
            }
            // A range `a-z` (a `-` before `]` is literal).
            if case .range(let low, let lowHigh) = item, low == lowHigh, peek() == "-", let after = peek(1), after != "]" {
                position += 1
                let upper: UInt32
                if after == "\\" {
                    position += 1
                    guard case .range(let value, let same) = try parseEscape(), value == same else {
                        throw fail("a class range must end in a character")
                    }
                    upper = value
                } else {
                    position += 1
                    upper = after.value
                }
                guard low <= upper else { throw fail("class range out of order") }
                set.items.append(.range(low, upper))
                continue
            }
            set.items.append(item)
        }
    }

    /// After a backslash.
    private mutating func parseEscape() throws(RegexProgram.ParseError) -> ScalarSet.Item {
        guard let escape = peek() else { throw fail("trailing backslash") }
        position += 1
        func literal(_ value: UInt32) -> ScalarSet.Item { .range(value, value) }
        switch escape {
        case "s": return .whitespace(negated: false)
        case "S": return .whitespace(negated: true)
        case "w": return .word(negated: false)
        case "W": return .word(negated: true)
        case "d": return .category([.decimalNumber], negated: false)
        case "D": return .category([.decimalNumber], negated: true)
        case "n": return literal(0x0A)
        case "r": return literal(0x0D)
        case "t": return literal(0x09)
        case "f": return literal(0x0C)
        case "v": return literal(0x0B)
        case "e": return literal(0x1B)
        case "a": return literal(0x07)
        case "p", "P":
            var negated = escape == "P"
            guard peek() == "{" else { throw fail("expected \\p{...}") }
            position += 1
            if peek() == "^" { negated.toggle(); position += 1 }
            var name = ""
            while let c = peek(), c != "}" { name.unicodeScalars.append(c); position += 1 }
            guard peek() == "}" else { throw fail("unterminated \\p{...}") }
            position += 1
            guard let categories = Self.categories(name) else { throw fail("unsupported property \\p{\(name)}") }
            return .category(categories, negated: negated)
        case "x", "u":
            var digits = ""
            if peek() == "{" {
                position += 1
                while let c = peek(), c != "}" { digits.unicodeScalars.append(c); position += 1 }
                position += 1
            } else {
                let count = escape == "x" ? 2 : 4
                for _ in 0..<count {
                    guard let c = peek() else { break }
                    digits.unicodeScalars.append(c)
                    position += 1
                }
            }
            guard let value = UInt32(digits, radix: 16), Unicode.Scalar(value) != nil else { throw fail("bad \\\(escape) escape") }
            return literal(value)
        default:
            if escape.properties.isAlphabetic || ("0"..."9").contains(escape) { throw fail("\\\(escape) is not supported") }
            return literal(escape.value)
        }
    }

    private static func categories(_ name: String) -> Set<Unicode.GeneralCategory>? {
        let letters: Set<Unicode.GeneralCategory> = [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter]
        let marks: Set<Unicode.GeneralCategory> = [.nonspacingMark, .spacingMark, .enclosingMark]
        let numbers: Set<Unicode.GeneralCategory> = [.decimalNumber, .letterNumber, .otherNumber]
        let punctuation: Set<Unicode.GeneralCategory> = [.connectorPunctuation, .dashPunctuation, .openPunctuation,
                                                          .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation]
        let symbols: Set<Unicode.GeneralCategory> = [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol]
        let separators: Set<Unicode.GeneralCategory> = [.spaceSeparator, .lineSeparator, .paragraphSeparator]
        let other: Set<Unicode.GeneralCategory> = [.control, .format, .surrogate, .privateUse, .unassigned]
        switch name {
        case "L", "Letter": return letters
        case "Lu", "Uppercase_Letter": return [.uppercaseLetter]
        case "Ll", "Lowercase_Letter": return [.lowercaseLetter]
        case "Lt", "Titlecase_Letter": return [.titlecaseLetter]
        case "Lm", "Modifier_Letter": return [.modifierLetter]
        case "Lo", "Other_Letter": return [.otherLetter]
        case "M", "Mark", "Combining_Mark": return marks
        case "Mn": return [.nonspacingMark]
        case "Mc": return [.spacingMark]
        case "Me": return [.enclosingMark]
        case "N", "Number": return numbers
        case "Nd", "Decimal_Number": return [.decimalNumber]
        case "Nl": return [.letterNumber]
        case "No": return [.otherNumber]
        case "P", "Punctuation": return punctuation
        case "Pc": return [.connectorPunctuation]
        case "Pd": return [.dashPunctuation]
        case "Ps": return [.openPunctuation]
        case "Pe": return [.closePunctuation]
        case "Pi": return [.initialPunctuation]
        case "Pf": return [.finalPunctuation]
        case "Po": return [.otherPunctuation]
        case "S", "Symbol": return symbols
        case "Sm": return [.mathSymbol]
        case "Sc": return [.currencySymbol]
        case "Sk": return [.modifierSymbol]
        case "So": return [.otherSymbol]
        case "Z", "Separator": return separators
        case "Zs": return [.spaceSeparator]
        case "Zl": return [.lineSeparator]
        case "Zp": return [.paragraphSeparator]
        case "C", "Other": return other
        case "Cc": return [.control]
        case "Cf": return [.format]
        case "Co": return [.privateUse]
        case "Cn": return [.unassigned]
        default: return nil
        }
    }
}
