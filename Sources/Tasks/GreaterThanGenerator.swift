import Tokenizer

/// One Greater-Than prompt, `The {noun} lasted from the year {YYYY} to {YY}`.
public struct GreaterThanPrompt: Equatable, Sendable {
    public var text: String
    public var tokens: [Int]
    /// Last two digits of the start year (what the model must exceed).
    public var startYY: Int
}

/// Regenerates the reference's Greater-Than data (TASK_DATA.md §2): the year list
/// from the GPT-2 tokenizer by the reference's rule, then nouns and years drawn
/// with `torch.manual_seed(54)`.
public struct GreaterThanGenerator {
    public static let count = 200
    /// Token 7 of every prompt holds the start year's last two digits.
    public static let yearPosition = 7
    public static let promptLength = 10
    /// The id of "01", which replaces the year suffix in corrupted prompts.
    public static let corruptSuffixText = "01"

    public let tokenizer: any TextTokenizer

    public init(tokenizer: any TextTokenizer) { self.tokenizer = tokenizer }

    /// For each century 11..17, the years 02..98 whose " YYYY" encodes as exactly
    /// [" CC", "YY"] (first tokens), minus the first and last such year.
    public func years() -> [Int] {
        var all: [Int] = []
        for century in 11...17 {
            var ok: [Int] = []
            for year in (century * 100 + 2)...(century * 100 + 98) {
                let s = String(year)
                let head = tokenizer.encodeOrdinary(" " + s.prefix(2)).first
                let tail = tokenizer.encodeOrdinary(String(s.suffix(2))).first
                if let head, let tail, tokenizer.encodeOrdinary(" " + s) == [head, tail] { ok.append(year) }
            }
            all += ok.count > 2 ? Array(ok.dropFirst().dropLast()) : []
        }
        return all
    }

    /// The ids of "00" … "99".
    public func suffixTokens() throws -> [Int] {
        try (0..<100).map { i in
            let text = i < 10 ? "0\(i)" : "\(i)"
            let ids = tokenizer.encodeOrdinary(text)
            guard ids.count == 1 else {
                throw TaskError("greaterthan: two-digit year \(text.debugDescription) is \(ids.count) tokens in this tokenizer, "
                                + "the task needs it to be one token")
            }
            return ids[0]
        }
    }

    public func prompts() throws -> [GreaterThanPrompt] {
        let years = years()
        guard !years.isEmpty else {
            throw TaskError("greaterthan: no year YYYY in 1102...1798 whose \" YYYY\" is the two tokens \" CC\" + \"YY\" "
                            + "in this tokenizer")
        }
        var torch = TorchGenerator(seed: 54)
        let nounIdx = torch.randint(0, GreaterThanWords.nouns.count, count: Self.count)
        let yearIdx = torch.randint(0, years.count, count: Self.count)
        return try (0..<Self.count).map { i in
            let y = String(years[yearIdx[i]])
            let text = "The \(GreaterThanWords.nouns[nounIdx[i]]) lasted from the year \(y) to \(y.prefix(2))"
            let tokens = tokenizer.encodeOrdinary(text)
            guard tokens.count == Self.promptLength else {
                throw TaskError("greaterthan: prompt '\(text)' is \(tokens.count) tokens, expected \(Self.promptLength)")
            }
            return GreaterThanPrompt(text: text, tokens: tokens, startYY: Int(y.suffix(2))!)
        }
    }
}
