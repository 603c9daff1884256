import Foundation

/// Mistral (`model_type: mistral`): Llama layout without biases; a
/// `sliding_window` (when not null) applies to every layer; `head_dim` may be
/// absent (hidden_size / heads).
public enum Mistral: Architecture {
    public static let modelType = "mistral"
    public static let ignoredTensors = DecoderLayout.ignored

    public static func config(json: [String: Any], data: Data, file: String) throws -> ModelConfig {
        try everyLayerSlidingConfig(data, file: file, defaultEps: 1e-6)
    }

    public static func weights(_ files: CheckpointFiles, config: ModelConfig, data: Data, file: String) throws -> TransformerWeights {
        let keys = try decodeConfig(DecoderKeys.self, data, file: file)
        return try DecoderLayout(tied: keys.tie_word_embeddings ?? false).weights(files, config: config)
    }
}
