import Foundation

/// Llama 2 / 3 / 3.2 (`model_type: llama`): RMSNorm, rotary (Llama 3's
/// `rope_type: llama3` frequency rescaling included), grouped-query
/// attention, SiLU-gated MLP; optional attention biases; tied or separate `lm_head`.
public enum Llama: Architecture {
    public static let modelType = "llama"
    public static let ignoredTensors = DecoderLayout.ignored

    struct Config: Codable {
        var attention_bias: Bool?
        var mlp_bias: Bool?
        var pretraining_tp: Int?
    }

    public static func config(json: [String: Any], data: Data, file: String) throws -> ModelConfig {
        let check = ConfigCheck(file: file)
        let keys = try decodeConfig(DecoderKeys.self, data, file: file)
        let own = try decodeConfig(Config.self, data, file: file)
        if own.mlp_bias == true { throw check.refuse("mlp_bias", "true is not supported") }
        var c = try keys.rotaryConfig(data, file: file, check: check, defaultEps: 1e-6)
        try c.validate(file: file)
        return c
    }

    public static func weights(_ files: CheckpointFiles, config: ModelConfig, data: Data, file: String) throws -> TransformerWeights {
        let own = try decodeConfig(Config.self, data, file: file)
        let keys = try decodeConfig(DecoderKeys.self, data, file: file)
        let bias = own.attention_bias ?? false
        return try DecoderLayout(qkvBias: bias, oBias: bias, tied: keys.tie_word_embeddings ?? false)
            .weights(files, config: config)
    }
}
