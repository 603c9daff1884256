import Foundation

/// OLMo 2 (`model_type: olmo2`): no pre-norms; RMSNorm of the attention and
/// MLP outputs before they join the residual (`post_attention_layernorm`,
/// `post_feedforward_layernorm`); q/k RMSNorms over the whole projection
/// (all heads), before rotary.
public enum OLMo2: Architecture {
    public static let modelType = "olmo2"
    public static let ignoredTensors = DecoderLayout.ignored

    struct Config: Codable {
        var attention_bias: Bool?
    }

    public static func config(json: [String: Any], data: Data, file: String) throws -> ModelConfig {
        let check = ConfigCheck(file: file)
        let keys = try decodeConfig(DecoderKeys.self, data, file: file)
        let own = try decodeConfig(Config.self, data, file: file)
        if own.attention_bias == true { throw check.refuse("attention_bias", "true is not supported") }
        var c = try keys.rotaryConfig(data, file: file, check: check, defaultEps: 1e-5)
        c.preNorms = false; c.postAttentionNorm = true; c.postMLPNorm = true; c.qkNorm = true
        try c.validate(file: file)
        return c
    }

    public static func weights(_ files: CheckpointFiles, config: ModelConfig, data: Data, file: String) throws -> TransformerWeights {
        let keys = try decodeConfig(DecoderKeys.self, data, file: file)
        return try DecoderLayout(ln1: nil, ln2: nil, postAttention: "post_attention_layernorm", postMLP: "post_feedforward_layernorm",
                                 qkNorm: true, tied: keys.tie_word_embeddings ?? false).weights(files, config: config)
    }
}
