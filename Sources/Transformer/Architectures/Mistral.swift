import Foundation

/// Mistral (`model_type: mistral`): Llama layout without biases; a
/// `sliding_window` (when not null) applies to every layer; `head_dim` may be
/// absent (hidden_size / heads).
public enum Mistral: Architecture {
    public static let modelType = "mistral"
    public static let ignoredTensors = DecoderLayout.ignored

    struct Config: Codable {
        var sliding_window: Int?
    }

    public static func config(json: [String: Any], data: Data, file: String) throws -> ModelConfig {
        let check = ConfigCheck(file: file)
        let keys = try decodeConfig(DecoderKeys.self, data, file: file)
        let own = try decodeConfig(Config.self, data, file: file)
        var c = try keys.config(check: check, defaultEps: 1e-6)
        c.rotary = try decodeConfig(RopeKeys.self, data, file: file).rotary(headDim: c.dHead, check: check)
        if let w = own.sliding_window {
            c.slidingWindow = try check.positive("sliding_window", w)
            c.slidingLayers = Array(repeating: true, count: c.nLayers)
        }
        try c.validate(file: file)
        return c
    }

    public static func weights(_ files: CheckpointFiles, config: ModelConfig, data: Data, file: String) throws -> TransformerWeights {
        let keys = try decodeConfig(DecoderKeys.self, data, file: file)
        return try DecoderLayout(tied: keys.tie_word_embeddings ?? false).weights(files, config: config)
    }
}
