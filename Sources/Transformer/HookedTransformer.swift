import Foundation
import Kernels

/// A TransformerLens-compatible transformer over OpenBLAS: GPT-2-style models
/// (TransformerLens checkpoints, tracr, attention-only) and the Hugging Face
/// architectures of `Architectures/`.
///
/// The model is a set of components (`Components.swift`), each with an entry
/// point for any subset of rows; the full hooked `forward` (`Forward.swift`)
/// and ACDC's incremental evaluator compose the same components.
public final class HookedTransformer: @unchecked Sendable {
    public let config: ModelConfig
    public let weights: TransformerWeights
    /// Where the model came from (directory), for messages and identity.
    public let origin: String
    private let rotaryLock = NSLock()
    private var rotaryCache: (cos: [Float], sin: [Float], positions: Int) = ([], [], 0)

    public init(config: ModelConfig, weights: TransformerWeights, origin: String) {
        self.config = config; self.weights = weights; self.origin = origin
    }

    /// Loads a model directory: `config.json` (a Hugging Face config with a
    /// supported `model_type`, or TransformerLens fields) and
    /// `model.safetensors` or a sharded `model.safetensors.index.json`. Every
    /// tensor in the files must be used by the model (except the
    /// architecture's documented harmless extras).
    public static func load(directory: String) throws -> HookedTransformer {
        let (arch, cfg, data, cfgPath) = try readConfig(directory: directory)
        let files = try CheckpointFiles(directory: directory)
        let weights = try arch.weights(files, config: cfg, data: data, file: cfgPath)
        try files.checkAllUsed(allowing: arch.ignoredTensors)
        return HookedTransformer(config: cfg, weights: weights, origin: directory)
    }

    /// The model description of a directory from its `config.json` alone (no weights read).
    public static func config(directory: String) throws -> ModelConfig {
        try readConfig(directory: directory).1
    }

    private static func readConfig(directory: String) throws -> (Architecture.Type, ModelConfig, Data, String) {
        let cfgPath = (directory as NSString).appendingPathComponent("config.json")
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError("\(directory): model directory not found")
        }
        guard let data = FileManager.default.contents(atPath: cfgPath) else {
            throw ModelError("\(cfgPath): cannot read model config (missing file?)")
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelError("\(cfgPath): not a JSON object")
        }
        let arch = try Architectures.find(config: obj, file: cfgPath)
        let cfg = try arch.config(json: obj, data: data, file: cfgPath)
        try checkSizes(cfg, file: cfgPath)
        return (arch, cfg, data, cfgPath)
    }

    /// Bounds every size so that the products the weight shapes and buffers
    /// need cannot overflow (a corrupt config must fail, not trap); far above
    /// any real model.
    private static func checkSizes(_ c: ModelConfig, file: String) throws {
        let limits: [(String, Int, Int)] = [
            ("layers", c.nLayers, 1 << 16), ("d_model / hidden_size", c.dModel, 1 << 20),
            ("heads", c.nHeads, 1 << 16), ("head dimension", c.dHead, 1 << 16),
            ("d_mlp / intermediate_size", c.dMLP ?? 0, 1 << 24), ("vocabulary", max(c.dVocab, c.dVocabOut), 1 << 24),
            ("context length", c.nCtx, 1 << 31), ("sliding window", c.slidingWindow ?? 0, 1 << 31),
        ]
        for (what, v, limit) in limits where v > limit {
            throw ModelError("\(file): \(what) \(v) exceeds the supported maximum \(limit)")
        }
    }

    /// The files holding a directory's weights, in a fixed order:
    /// `model.safetensors`, or the index and its shards.
    public static func weightFiles(directory: String) -> [String] {
        if FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("model.safetensors")) {
            return ["model.safetensors"]
        }
        let index = (directory as NSString).appendingPathComponent("model.safetensors.index.json")
        guard let data = FileManager.default.contents(atPath: index),
              let map = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["weight_map"] as? [String: Any] else {
            return ["model.safetensors"]
        }
        return ["model.safetensors.index.json"] + Set(map.values.compactMap { $0 as? String }).sorted()
    }

    /// cos/sin tables of the rotary embedding for positions `0..<n` (grown on demand, thread-safe).
    func rotaryTables(positions n: Int) -> (cos: [Float], sin: [Float]) {
        rotaryLock.lock(); defer { rotaryLock.unlock() }
        if rotaryCache.positions < n, let r = config.rotary {
            let t = r.tables(positions: max(n, 64))
            rotaryCache = (t.cos, t.sin, max(n, 64))
        }
        return (rotaryCache.cos, rotaryCache.sin)
    }
}
