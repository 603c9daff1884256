import Foundation

/// One supported checkpoint format: how its `config.json` decodes into the
/// model description and where each weight lives in its tensors. Each
/// architecture is one file in this folder holding both, side by side.
public protocol Architecture {
    /// The Hugging Face `model_type` it loads (`transformer_lens` for TL checkpoints).
    static var modelType: String { get }
    /// Tensors a checkpoint may carry that the model does not need (patterns,
    /// `*` = one name component), e.g. GPT-2's causal-mask buffers.
    static var ignoredTensors: [String] { get }
    static func config(json: [String: Any], data: Data, file: String) throws -> ModelConfig
    /// The weights: `data` is the same `config.json` (for the keys that only
    /// say where tensors are, e.g. which projections carry biases).
    static func weights(_ files: CheckpointFiles, config: ModelConfig, data: Data, file: String) throws -> TransformerWeights
}

/// The registry, keyed by `model_type`.
public enum Architectures {
    public static let all: [Architecture.Type] = [
        TransformerLens.self, GPT2.self, Llama.self, Qwen2.self, Mistral.self, GPTNeoX.self,
        Gemma2.self, Phi3.self, OLMo2.self,

    ]

    /// The architecture of a config: its `model_type`, or TransformerLens for a config without one.
    public static func find(config o: [String: Any], file: String) throws -> Architecture.Type {
        guard let raw = o["model_type"] else { return TransformerLens.self }
        guard let t = raw as? String else { throw ModelError("\(file): 'model_type' must be a string") }
        guard let a = all.first(where: { $0.modelType == t }) else {
            let names = all.map { $0.modelType }.filter { $0 != TransformerLens.modelType }.joined(separator: ", ")
            throw ModelError("\(file): 'model_type': '\(t)' is not supported (supported: \(names))")
        }
        return a
    }
}

/// Decodes a Hugging Face config with its Codable type, through the typed
/// reader every config uses (`ConfigDecoder` over `ConfigFields`): a missing,
/// null or wrong-typed value is one line naming the key.
func decodeConfig<T: Decodable>(_ type: T.Type, _ data: Data, file: String) throws -> T {
    guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
        throw ModelError("\(file): not a JSON object")
    }
    do {
        return try T(from: ConfigDecoder(object: object, file: file))
    } catch let e as DecodingError {
        // Not expected (the reader throws ModelError), but never a trap or a multi-line dump.
        throw ModelError("\(file): cannot decode config (\(String(describing: e).split(separator: "\n").first ?? ""))")
    }
}

/// Checks shared by the Hugging Face configs (one line naming the key).
struct ConfigCheck {
    let file: String
    func positive(_ key: String, _ v: Int) throws -> Int {
        guard v > 0 else { throw ModelError("\(file): '\(key)' must be positive, got \(v)") }
        return v
    }
    func finitePositive(_ key: String, _ v: Double) throws -> Float {
        guard v.isFinite, v > 0, Float(v) > 0, Float(v).isFinite else { throw ModelError("\(file): '\(key)' must be a finite positive number, got \(v)") }
        return Float(v)
    }
    func activation(_ key: String, _ name: String) throws -> Activation {
        guard let a = Activation(rawValue: name) else { throw ModelError("\(file): '\(key)': activation '\(name)' is not supported") }
        return a
    }
    func refuse(_ key: String, _ why: String) -> ModelError { ModelError("\(file): '\(key)': \(why)") }
}

/// Hugging Face `rope_scaling` / `rope_parameters` (only `default` and Llama 3's `llama3`).
struct RopeScaling: Codable {
    var rope_type: String?
    var type: String?
    var factor: Double?
    var low_freq_factor: Double?
    var high_freq_factor: Double?
    var original_max_position_embeddings: Int?
    var rope_theta: Double?
}

/// The rotary embedding of a head of `headDim` rotating its first `dim`
/// components with base `theta`, optionally rescaled as Llama 3 does.
func makeRotary(dim: Int, theta: Double, scaling: RopeScaling?, check: ConfigCheck) throws -> Kernels.Rotary {
    guard dim > 0, dim % 2 == 0 else { throw check.refuse("partial_rotary_factor", "rotary dimension \(dim) must be positive and even") }
    guard theta.isFinite, theta > 0 else { throw check.refuse("rope_theta", "must be a finite positive number") }
    // inv_freq = 1 / theta^(2i/dim), computed in float32 like transformers.
    var inv: [Float] = (0..<(dim / 2)).map { i in 1 / Float(Foundation.pow(theta, Double(Float(2 * i) / Float(dim)))) }
    let kind = scaling?.rope_type ?? scaling?.type ?? "default"
    switch kind {
    case "default": break
    case "llama3":
        guard let s = scaling, let factor = s.factor, let lo = s.low_freq_factor, let hi = s.high_freq_factor,
              let old = s.original_max_position_embeddings, factor > 0, hi > lo, lo > 0 else {
            throw check.refuse("rope_scaling", "llama3 scaling needs factor, low_freq_factor < high_freq_factor and original_max_position_embeddings")
        }
        let lowWavelen = Double(old) / lo, highWavelen = Double(old) / hi
        inv = inv.map { f in
            let wavelen = 2 * Double.pi / Double(f)
            if wavelen < highWavelen { return f }
            if wavelen > lowWavelen { return Float(Double(f) / factor) }
            let smooth = (Double(old) / wavelen - lo) / (hi - lo)
            return Float((1 - smooth) * Double(f) / factor + smooth * Double(f))
        }
    default:
        throw check.refuse("rope_scaling.rope_type", "'\(kind)' is not supported (default, llama3)")
    }
    return Kernels.Rotary(dim: dim, inverseFrequencies: inv)
}

import Kernels
