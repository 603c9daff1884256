import ACDC
import ArgumentParser
import Foundation
import Transformer

struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run a model on token rows and save its logits (and hooks) as safetensors.",
        discussion: """
        TOKENS is a JSON array of equal-length rows of token ids, e.g. [[1, 2, 3], [4, 5, 6]]. \
        OUT.safetensors receives `logits` (float32, [batch, seq, vocab], every position) \
        and each hook named with --hooks under its TransformerLens name and shape \
        (e.g. blocks.0.hook_resid_post [batch, seq, d_model], blocks.1.attn.hook_pattern \
        [batch, heads, seq, seq]). The way to check a model against another \
        implementation and to inspect activations.
        """)

    @Option(help: "Model directory (config.json + model.safetensors or a sharded index).")
    var model: String

    @Option(help: "JSON file: an array of equal-length token-id rows.")
    var tokens: String

    @Option(help: "Output .safetensors file.")
    var output: String

    @Option(help: "Comma-separated TransformerLens hook names to save besides the logits.")
    var hooks: String?

    @OptionGroup var report: OutputOptions

    mutating func run() throws {
        let m = try HookedTransformer.load(directory: model)
        // An input file like any other: a FIFO or device is refused, not waited on.
        let data = try InputFile.read(tokens, what: "token file", maxBytes: 1 << 30)
        guard let parsed = try? JSONValue.parse(Array(data)), let rows = parsed.array else {
            throw ModelError("\(tokens): not a JSON array of token rows")
        }
        let ints = try rows.enumerated().map { i, r -> [Int] in
            guard let a = r.array else { throw ModelError("\(tokens): row \(i) is not a list") }
            return try a.enumerated().map { j, v in
                guard let t = v.int else { throw ModelError("\(tokens): row \(i), position \(j) is not an integer token id") }
                return t
            }
        }
        let batch = try TokenBatch(ints, origin: tokens)
        try batch.validate(for: m.config, origin: tokens)

        var wanted: [HookPoint] = []
        for name in (hooks ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let h = HookPoint(name: name, config: m.config) else {
                throw ModelError("--hooks: '\(name)' is not a hook of this model (e.g. blocks.0.hook_resid_post, ln_final.hook_normalized)")
            }
            if !wanted.contains(h) { wanted.append(h) }
        }
        var cache = HookCache(only: Set(wanted))
        let logits = m.forward(batch, hooks: &cache)
        var tensors: [(String, [Int], [Float])] = [("logits", [batch.rows, batch.seqLen, m.config.dVocabOut], logits)]
        for h in wanted { tensors.append((h.name, cache.shapes[h]!, cache.values[h]!)) }
        try writeSafetensors(tensors, to: output, metadata: ["model": model, "tokens": tokens])
        if report.json {
            let j: JSONValue = .object([
                ("output", .string(output)), ("rows", .number(Double(batch.rows))), ("seq_len", .number(Double(batch.seqLen))),
                ("tensors", .array(tensors.map { .string($0.0) })),
            ])
            print(j.serialized())
        } else {
            print("wrote \(output): logits [\(batch.rows), \(batch.seqLen), \(m.config.dVocabOut)]"
                  + (wanted.isEmpty ? "" : " and \(wanted.count) hook(s)"))
        }
    }
}
