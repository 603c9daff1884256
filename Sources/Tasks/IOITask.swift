import ACDC
import Tokenizer

/// Indirect object identification on GPT-2 small (ACDC.md §7.1): "Then, Mary and John
/// went to the store. John gave a bone to" -> " Mary"; corrupted with three fresh names.
public struct IOITask: StandardTask {
    public let name = "ioi"
    public let summary = "GPT-2 small: indirect object identification, 100 prompts vs ABC prompts; kl_div, logit_diff"
    public let requiredModel: String? = "GPT-2 small"
    public let hasCanonicalCircuit = true
    /// With GPT-2 every prompt is 16 tokens; the model reads all but the last and should
    /// predict the last (IO). Other tokenizers may give another length, the same for all.
    static let promptLength = 16
    /// Rows 0..<100 are the search split (100..<200 the reference's test split).
    static let searchRows = 100

    public init() {}

    /// Clean and corrupted model inputs (all but the last token), IO and S token ids, per
    /// prompt. Names must be single tokens (with their leading space) and every prompt the
    /// same length; otherwise a one-line error names the word or the prompt.
    public static func tokens(_ tokenizer: any TextTokenizer, prompts: [IOIPrompt])
        throws -> (clean: [[Int]], corrupted: [[Int]], io: [Int], s: [Int], next: [[Int]]) {
        var out: (clean: [[Int]], corrupted: [[Int]], io: [Int], s: [Int], next: [[Int]]) = ([], [], [], [], [])
        var length: Int?
        for p in prompts {
            let io = try singleToken(tokenizer, " " + p.io, task: "ioi", role: "name")
            let s = try singleToken(tokenizer, " " + p.s, task: "ioi", role: "name")
            let c = tokenizer.encodeOrdinary(p.clean), k = tokenizer.encodeOrdinary(p.corrupted)
            let n = length ?? c.count
            length = n
            guard c.count == n, k.count == n, n >= 2, c[n - 1] == io else {
                throw ACDCError("ioi: prompt '\(p.clean)' / '\(p.corrupted)' is \(c.count)/\(k.count) tokens "
                                + "(the first prompt \(n)) or does not end with the name's token")
            }
            out.clean.append(Array(c.prefix(n - 1)))
            out.corrupted.append(Array(k.prefix(n - 1)))
            out.io.append(io)
            out.s.append(s)
            out.next.append(Array(c.dropFirst()))
        }
        return out
    }

    public func experiment(_ context: TaskContext) throws -> Experiment {
        let model = try modelDirectory(context)
        let t = try Self.tokens(try textTokenizer(context, model: model),
                                prompts: Array(IOIGenerator.prompts().prefix(Self.searchRows)))
        let last = (t.clean.first?.count ?? Self.promptLength - 1) - 1
        return try makeExperiment(
            task: name, description: summary, model: model, clean: t.clean, corrupted: t.corrupted,
            metrics: [("kl_div", .klDiv(.positions([last]))),
                      ("logit_diff", .logitDiff(position: last, correct: t.io, wrong: t.s)),
                      ("nll", .nll(.positions([last]), labels: t.next)),
                      ("match_nll", .matchNLL(.positions([last]), labels: t.next))])
    }

    public func canonicalCircuit(_ context: TaskContext) throws -> [String]? { CanonicalCircuits.ioi() }
}
