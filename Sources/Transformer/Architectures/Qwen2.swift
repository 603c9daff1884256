import Foundation

/// Qwen2 / Qwen2.5 (`model_type: qwen2`): Llama layout with q/k/v biases (no
/// o_proj bias). The sliding window applies only with `use_sliding_window`
/// (then to layers ≥ `max_window_layers`, or as `layer_types` says).
public enum Qwen2: Architecture {
    public static let modelType = "qwen2"
    public static let ignoredTensors = DecoderLayout.ignored

    struct Config: Codable {
        var use_sliding_window: Bool?
        var sliding_window: Int?
        var max_window_layers: Int?
        var layer_types: [String]?
    }

    public static func config(json: [String: Any], data: Data, file: String) throws -> ModelConfig {
        let check = ConfigCheck(file: file)
        let keys = try decodeConfig(DecoderKeys.self, data, file: file)
        let own = try decodeConfig(Config.self, data, file: file)
        var c = try keys.rotaryConfig(data, file: file, check: check, defaultEps: 1e-6)
        if own.use_sliding_window == true {
            guard let w = own.sliding_window else { throw check.refuse("sliding_window", "needed when use_sliding_window is true") }
            c.slidingWindow = try check.positive("sliding_window", w)
            let first = own.max_window_layers ?? c.nLayers
            c.slidingLayers = try slidingLayers(own.layer_types, layers: c.nLayers, check: check) { $0 >= first }
        }
        try c.validate(file: file)
        return c
    }

    public static func weights(_ files: CheckpointFiles, config: ModelConfig, data: Data, file: String) throws -> TransformerWeights {
        let keys = try decodeConfig(DecoderKeys.self, data, file: file)
        return try DecoderLayout(qkvBias: true, tied: keys.tie_word_embeddings ?? false).weights(files, config: config)
    }
}
