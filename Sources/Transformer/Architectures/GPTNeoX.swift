import Foundation

/// GPT-NeoX / Pythia (`model_type: gpt_neox`): LayerNorm with bias, partial
/// rotary (`rotary_pct` + `rotary_emb_base` as Pythia spells them, or
/// `rope_parameters.partial_rotary_factor`), a fused per-head
/// `query_key_value` (rows: head h's q, k, v), biases everywhere, parallel
/// residual unless `use_parallel_residual` is false, untied `embed_out`.
public enum GPTNeoX: Architecture {
    public static let modelType = "gpt_neox"
    /// Causal-mask and rotary buffers older conversions carry.
    public static let ignoredTensors = ["gpt_neox.layers.*.attention.bias", "gpt_neox.layers.*.attention.masked_bias",
                                        "gpt_neox.layers.*.attention.rotary_emb.inv_freq"]

    struct Config: Codable {
        var vocab_size: Int
        var hidden_size: Int
        var intermediate_size: Int
        var num_hidden_layers: Int
        var num_attention_heads: Int
        var max_position_embeddings: Int
        var hidden_act: String?
        var layer_norm_eps: Double?
        var rotary_pct: Double?
        var rotary_emb_base: Double?
        var use_parallel_residual: Bool?
        var attention_bias: Bool?
        var tie_word_embeddings: Bool?
    }

    public static func config(json: [String: Any], data: Data, file: String) throws -> ModelConfig {
        let check = ConfigCheck(file: file)
        let o = try decodeConfig(Config.self, data, file: file)
        if o.attention_bias == false { throw check.refuse("attention_bias", "false is not supported") }
        if o.tie_word_embeddings == true { throw check.refuse("tie_word_embeddings", "true is not supported for gpt_neox") }
        let d = try check.positive("hidden_size", o.hidden_size), H = try check.positive("num_attention_heads", o.num_attention_heads)
        guard d % H == 0 else { throw check.refuse("num_attention_heads", "hidden_size \(d) is not a multiple of \(H)") }
        let dh = d / H
        var c = ModelConfig(nLayers: try check.positive("num_hidden_layers", o.num_hidden_layers), dModel: d, nHeads: H, dHead: dh,
                            dMLP: try check.positive("intermediate_size", o.intermediate_size),
                            dVocab: try check.positive("vocab_size", o.vocab_size),
                            nCtx: try check.positive("max_position_embeddings", o.max_position_embeddings),
                            activation: try check.activation("hidden_act", o.hidden_act ?? "gelu"),
                            normalization: .layerNorm, positionalEmbedding: .rotary,
                            eps: try check.finitePositive("layer_norm_eps", o.layer_norm_eps ?? 1e-5),
                            attentionScale: Float(1 / Double(dh).squareRoot()),
                            parallelResidual: o.use_parallel_residual ?? true)
        var rope = try decodeConfig(RopeKeys.self, data, file: file)
        if rope.rope_theta == nil { rope.rope_theta = o.rotary_emb_base }
        // Pythia: rotary_ndims = int(head_size · rotary_pct).
        c.rotary = try rope.rotary(headDim: dh, partial: o.rotary_pct, check: check)
        try c.validate(file: file)
        return c
    }

    public static func weights(_ s: CheckpointFiles, config c: ModelConfig, data: Data, file: String) throws -> TransformerWeights {
        let d = c.dModel, H = c.nHeads, dh = c.dHead, m = c.dMLP ?? 0, V = c.dVocab
        func ln(_ name: String) throws -> NormWeights {
            NormWeights(w: try s.tensor(name + ".weight", shape: [d]), b: try s.tensor(name + ".bias", shape: [d]))
        }
        var blocks: [BlockWeights] = []
        for l in 0..<c.nLayers {
            let p = "gpt_neox.layers.\(l)."
            // Rows of query_key_value: head h's q, k, v (d_head rows each) at 3·h·d_head.
            let w = try s.tensor(p + "attention.query_key_value.weight", shape: [3 * H * dh, d])
            let b = try s.tensor(p + "attention.query_key_value.bias", shape: [3 * H * dh])
            let proj = (0..<3).map { i in HeadLinear(Linear(w, offset: i * dh * d, ld: d, transposed: true), headStep: 3 * dh * d) }
            let bias: [HeadVector?] = (0..<3).map { i in HeadVector(b, offset: i * dh, headStep: 3 * dh) }
            let attn = AttentionWeights(projection: proj, bias: bias,
                                        wO: Linear(try s.tensor(p + "attention.dense.weight", shape: [d, H * dh]), ld: H * dh, transposed: true),
                                        bO: try s.tensor(p + "attention.dense.bias", shape: [d]))
            let mlp = MLPWeights(wIn: Linear(try s.tensor(p + "mlp.dense_h_to_4h.weight", shape: [m, d]), ld: d, transposed: true),
                                 bIn: try s.tensor(p + "mlp.dense_h_to_4h.bias", shape: [m]),
                                 wOut: Linear(try s.tensor(p + "mlp.dense_4h_to_h.weight", shape: [d, m]), ld: m, transposed: true),
                                 bOut: try s.tensor(p + "mlp.dense_4h_to_h.bias", shape: [d]))
            blocks.append(BlockWeights(ln1: try ln(p + "input_layernorm"), attn: attn,
                                       ln2: try ln(p + "post_attention_layernorm"), mlp: mlp))
        }
        return TransformerWeights(wE: try s.tensor("gpt_neox.embed_in.weight", shape: [V, d]), wPos: nil, blocks: blocks,
                                  lnFinal: try ln("gpt_neox.final_layer_norm"),
                                  wU: Linear(try s.tensor("embed_out.weight", shape: [V, d]), ld: d, transposed: true), bU: nil)
    }
}
