import ACDC
import Foundation
import Tokenizer

/// Docstring on attn-only-4l (ACDC.md §7.3): predict the next documented argument name.
/// The prompts are regenerated here; their tokens need the model's own tokenizer
/// (NeelNanda/gpt-neox-tokenizer-digits), which must sit in the model directory as
/// tokenizer.json or as vocab.json + merges.txt (scripts/export_tl_model.py writes them).
public struct DocstringTask: StandardTask {
    public let name = "docstring"
    public let summary = "attn-only-4l: name the next :param of a Python docstring, vs random names; kl_div, docstring_metric"
    public let requiredModel: String? = "attn-only-4l with its tokenizer"
    public let hasCanonicalCircuit = true
    static let searchRows = 50

    public init() {}

    public func experiment(_ context: TaskContext) throws -> Experiment {
        let model = try modelDirectory(context)
        let tokenizer: any TextTokenizer
        do { tokenizer = try TokenizerFiles.load(model) } catch {
            throw ACDCError("docstring: needs the model's tokenizer (tokenizer.json, or vocab.json + merges.txt) in \(model): \(error)")
        }
        let bos = try Self.bosID(tokenizer, modelDirectory: model)
        let prompts = Array(DocstringGenerator.prompts().prefix(Self.searchRows))
        func first(_ s: String) throws -> Int {
            guard let t = tokenizer.encodeOrdinary(s).first else { throw ACDCError("docstring: '\(s)' encodes to no tokens") }
            return t
        }
        let clean = prompts.map { [bos] + tokenizer.encodeOrdinary($0.clean) }
        let corrupted = prompts.map { [bos] + tokenizer.encodeOrdinary($0.corrupted) }
        // The reference stacks the rows, so every prompt must have the same length.
        let n = clean[0].count
        for (i, (c, k)) in zip(clean, corrupted).enumerated() where c.count != n || k.count != n {
            throw ACDCError("docstring: prompt \(i) tokenizes to \(c.count)/\(k.count) tokens, prompt 0 to \(n): "
                            + "is \(model) the attn-only-4l tokenizer?")
        }
        let correct = try prompts.map { try first($0.correct) }
        let wrong = try prompts.map { try $0.wrong.map(first) }
        let last = n - 1
        let labels = zip(clean, correct).map { row, c in Array(row.dropFirst()) + [c] }
        return try makeExperiment(
            task: name, description: summary, model: model, clean: clean, corrupted: corrupted,
            metrics: [("kl_div", .klDiv(.positions([last]))),
                      ("docstring_metric", .docstring(position: last, correct: correct, wrong: wrong)),
                      ("nll", .nll(.positions([last]), labels: labels)),
                      ("match_nll", .matchNLL(.positions([last]), labels: labels))])
    }

    /// The BOS id: `bos_token_id` of special_tokens.json when present (the export script
    /// writes it), else the vocabulary's `<|endoftext|>`.
    static func bosID(_ tokenizer: any TextTokenizer, modelDirectory: String) throws -> Int {
        let special = (modelDirectory as NSString).appendingPathComponent("special_tokens.json")
        if FileManager.default.fileExists(atPath: special) {
            guard let id = try readJSON(special)["bos_token_id"]?.int else {
                throw ACDCError("\(special): missing integer 'bos_token_id'")
            }
            return id
        }
        guard let id = tokenizer.id(of: GPT2Tokenizer.endOfTextText) else {
            throw ACDCError("docstring: \(modelDirectory): no special_tokens.json and no <|endoftext|> token for BOS")
        }
        return id
    }

    public func canonicalCircuit(_ context: TaskContext) throws -> [String]? { CanonicalCircuits.docstring() }
}
