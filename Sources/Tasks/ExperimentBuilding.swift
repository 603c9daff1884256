import ACDC
import Foundation
import Tokenizer
import Transformer

/// Assembles an experiment, turning token-shape problems into one-line task errors.
func makeExperiment(task: String, description: String, model: String, clean: [[Int]], corrupted: [[Int]],
                    usePosEmbed: Bool = false, posPermutation: [Int]? = nil,
                    metrics: [(name: String, spec: MetricSpec)]) throws -> Experiment {
    let c: TokenBatch, k: TokenBatch
    do {
        c = try TokenBatch(clean, origin: "\(task) clean tokens")
        k = try TokenBatch(corrupted, origin: "\(task) corrupted tokens")
    } catch let e as ModelError { throw ACDCError(e.message) }
    return Experiment(name: task, description: description, model: model, modelPath: model, clean: c, corrupted: k,
                      usePosEmbed: usePosEmbed, corruptedPosPermutation: posPermutation, metrics: metrics)
}

/// A JSON file of the task data folder, or a one-line error naming it.
func readJSON(_ path: String) throws -> JSONValue {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ACDCError("\(path): cannot read task data (missing? the tasks/ folder may be incomplete)")
    }
    do { return try JSONValue.parse(Array(data)) } catch { throw ACDCError("\(path): \(error)") }
}

/// `key` of a JSON object as integer rows.
func intRows(_ j: JSONValue, _ key: String, file: String) throws -> [[Int]] {
    guard let rows = j[key]?.array else { throw ACDCError("\(file): missing '\(key)' rows") }
    return try rows.map { r in
        guard let a = r.array, case let v = a.compactMap(\.int), v.count == a.count else {
            throw ACDCError("\(file): '\(key)' must be a list of integer lists")
        }
        return v
    }
}

/// The shipped GPT-2 vocabulary.
func gpt2Tokenizer(_ context: TaskContext) throws -> GPT2Tokenizer {
    do { return try GPT2Tokenizer(directory: context.path("gpt2-tokenizer")) } catch {
        throw ACDCError("\(error)")
    }
}

/// The tokenizer for a text task: the model directory's `tokenizer.json` when it has one
/// (so prompts tokenize as `transformers` would for that model), else the shipped GPT-2
/// vocabulary.
func textTokenizer(_ context: TaskContext, model: String) throws -> any TextTokenizer {
    guard TokenizerFiles.hasTokenizerJSON(model) else { return try gpt2Tokenizer(context) }
    do { return try HuggingFaceTokenizer(path: model) } catch { throw ACDCError("\(error)") }
}

/// The id of `word` when it encodes to exactly one token, else a one-line error naming it.
func singleToken(_ tokenizer: any TextTokenizer, _ word: String, task: String, role: String) throws -> Int {
    let ids = tokenizer.encodeOrdinary(word)
    guard ids.count == 1 else {
        throw ACDCError("\(task): \(role) \(word.debugDescription) is \(ids.count) tokens in this tokenizer, "
                        + "the task needs it to be one token")
    }
    return ids[0]
}

/// Canonical circuit edges from a `ground_truth.json` (`{"edges": [...]}`).
func groundTruthEdges(_ path: String) throws -> [String] {
    let j = try readJSON(path)
    guard let a = j["edges"]?.array, case let e = a.compactMap(\.string), e.count == a.count else {
        throw ACDCError("\(path): 'edges' must be a list of edge strings")
    }
    return e.sorted(by: byteOrder)
}

/// `torch.manual_seed(49); torch.randperm(seqLen)`: how the reference scrambles the
/// corrupted run's positional embeddings in random-ablation tracr runs (ACDC.md §3.6).
func tracrPositionPermutation(seqLen: Int) -> [Int] {
    var g = TorchGenerator(seed: 49)
    return g.randperm(seqLen)
}
