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
