import Foundation

/// Gemma 2 (`model_type: gemma2`): RMSNorm with gain `1 + w`, embedding
/// scaled by √hidden_size, pre- and post-norms around attention and MLP,
/// attention scale `query_pre_attn_scalar^-1/2`, attention-logit and
/// final-logit soft-capping, sliding window on the layers `layer_types` names
/// (without `layer_types`: layer i slides iff i is even), tied unembedding.
public enum Gemma2: Architecture {
    public static let modelType = "gemma2"
    public static let ignoredTensors = DecoderLayout.ignored

    struct Config: Codable {
        var hidden_activation: String?
        var query_pre_attn_scalar: Double?
        var attn_logit_softcapping: Double?
        var final_logit_softcapping: Double?
        var sliding_window: Int?
        var layer_types: [String]?
        var attention_bias: Bool?
    }

    public static func config(json: [String: Any], data: Data, file: String) throws -> ModelConfig {
        let check = ConfigCheck(file: file)
        var keys = try decodeConfig(DecoderKeys.self, data, file: file)
        let own = try decodeConfig(Config.self, data, file: file)
        if own.attention_bias == true { throw check.refuse("attention_bias", "true is not supported") }
        keys.head_dim = keys.head_dim ?? 256
        var c = try keys.rotaryConfig(data, file: file, check: check,
                                      activation: own.hidden_activation ?? keys.hidden_act ?? "gelu_pytorch_tanh", defaultEps: 1e-6)
        let scalar = own.query_pre_attn_scalar ?? 256
        _ = try check.finitePositive("query_pre_attn_scalar", scalar)
        c.attentionScale = Float(1 / scalar.squareRoot())
        c.attnSoftcap = try own.attn_logit_softcapping.map { try check.finitePositive("attn_logit_softcapping", $0) }
        c.finalSoftcap = try own.final_logit_softcapping.map { try check.finitePositive("final_logit_softcapping", $0) }
        c.slidingWindow = try check.positive("sliding_window", own.sliding_window ?? 4096)
        c.slidingLayers = try slidingLayers(own.layer_types, layers: c.nLayers, check: check) { $0 % 2 == 0 }
        c.normWeightOffset = 1
        c.postAttentionNorm = true; c.postMLPNorm = true
        c.embeddingScale = Float(Double(c.dModel).squareRoot())
        try c.validate(file: file)
        return c
    }

    public static func weights(_ files: CheckpointFiles, config: ModelConfig, data: Data, file: String) throws -> TransformerWeights {
        let keys = try decodeConfig(DecoderKeys.self, data, file: file)
        return try DecoderLayout(ln2: "pre_feedforward_layernorm", postAttention: "post_attention_layernorm",
                                 postMLP: "post_feedforward_layernorm", tied: keys.tie_word_embeddings ?? true)
            .weights(files, config: config)
    }
}
