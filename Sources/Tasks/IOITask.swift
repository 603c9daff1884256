import ACDC
import Tokenizer

/// Indirect object identification on GPT-2 small (ACDC.md §7.1): "Then, Mary and John
/// went to the store. John gave a bone to" -> " Mary"; corrupted with three fresh names.
public struct IOITask: StandardTask {
    public let name = "ioi"
    public let summary = "GPT-2 small: indirect object identification, 100 prompts vs ABC prompts; kl_div, logit_diff"
    public let requiredModel: String? = "GPT-2 small"
    public let hasCanonicalCircuit = true
    /// Every prompt is 16 tokens; the model reads the first 15 and should predict the 16th (IO).
    static let promptLength = 16
    /// Rows 0..<100 are the search split (100..<200 the reference's test split).
    static let searchRows = 100

    public init() {}

    /// Clean and corrupted model inputs (15 tokens each), IO and S token ids, per prompt.
    public static func tokens(_ tokenizer: GPT2Tokenizer, prompts: [IOIPrompt])
        throws -> (clean: [[Int]], corrupted: [[Int]], io: [Int], s: [Int], next: [[Int]]) {
        var out: (clean: [[Int]], corrupted: [[Int]], io: [Int], s: [Int], next: [[Int]]) = ([], [], [], [], [])
        for p in prompts {
            let c = tokenizer.encodeOrdinary(p.clean), k = tokenizer.encodeOrdinary(p.corrupted)
            guard c.count == promptLength, k.count == promptLength else {
                throw ACDCError("ioi: prompt '\(p.clean)' / '\(p.corrupted)' is not \(promptLength) GPT-2 tokens")
            }
            let s = tokenizer.encodeOrdinary(" " + p.s)
            guard s.count == 1 else { throw ACDCError("ioi: name '\(p.s)' is not one GPT-2 token") }
            out.clean.append(Array(c.prefix(promptLength - 1)))
            out.corrupted.append(Array(k.prefix(promptLength - 1)))
            out.io.append(c[promptLength - 1])
            out.s.append(s[0])
            out.next.append(Array(c.dropFirst()))
        }
        return out
    }

    public func experiment(_ context: TaskContext) throws -> Experiment {
        let model = try modelDirectory(context)
        let t = try Self.tokens(try gpt2Tokenizer(context), prompts: Array(IOIGenerator.prompts().prefix(Self.searchRows)))
        let last = Self.promptLength - 2
        return try makeExperiment(
            task: name, description: summary, model: model, clean: t.clean, corrupted: t.corrupted,
            metrics: [("kl_div", .klDiv(.positions([last]))),
                      ("logit_diff", .logitDiff(position: last, correct: t.io, wrong: t.s)),
                      ("nll", .nll(.positions([last]), labels: t.next)),
                      ("match_nll", .matchNLL(.positions([last]), labels: t.next))])
    }

    public func canonicalCircuit(_ context: TaskContext) throws -> [String]? { CanonicalCircuits.ioi() }
}
