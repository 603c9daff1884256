import Foundation

/// Hugging Face GPT-2 (`model_type: gpt2`): learned positions, LayerNorm,
/// Conv1D weights stored `[in, out]` with a fused `c_attn` (q | k | v), tied
/// unembedding unless the file carries `lm_head.weight`.
public enum GPT2: Architecture {
    public static let modelType = "gpt2"
    /// The causal-mask buffers older GPT-2 checkpoints save with the weights.
    public static let ignoredTensors = ["h.*.attn.bias", "h.*.attn.masked_bias",
                                        "transformer.h.*.attn.bias", "transformer.h.*.attn.masked_bias"]

    struct Config: Codable {
        var n_embd: Int
        var n_head: Int
        var n_layer: Int
        var vocab_size: Int
        var n_positions: Int
        var n_inner: Int?
        var activation_function: String?
        var layer_norm_epsilon: Double?
        var scale_attn_weights: Bool?
        var scale_attn_by_inverse_layer_idx: Bool?
        var add_cross_attention: Bool?
        var tie_word_embeddings: Bool?
    }

    public static func config(json: [String: Any], data: Data, file: String) throws -> ModelConfig {
        let o = try decodeConfig(Config.self, data, file: file)
        let check = ConfigCheck(file: file)
        let d = try check.positive("n_embd", o.n_embd), H = try check.positive("n_head", o.n_head)
        guard d % H == 0 else {
            throw ModelError("\(file): n_embd \(d) is not a multiple of n_head \(H) (d_model must equal n_heads·d_head)")
        }
        if o.scale_attn_by_inverse_layer_idx == true { throw check.refuse("scale_attn_by_inverse_layer_idx", "true is not supported") }
        if o.add_cross_attention == true { throw check.refuse("add_cross_attention", "true is not supported") }
        let cfg = ModelConfig(nLayers: try check.positive("n_layer", o.n_layer), dModel: d, nHeads: H, dHead: d / H,
                              dMLP: try check.positive("n_inner", o.n_inner ?? 4 * d),
                              dVocab: try check.positive("vocab_size", o.vocab_size),
                              nCtx: try check.positive("n_positions", o.n_positions),
                              activation: try check.activation("activation_function", o.activation_function ?? "gelu_new"),
                              normalization: .layerNorm,
                              eps: try check.finitePositive("layer_norm_epsilon", o.layer_norm_epsilon ?? 1e-5),
                              useAttnScale: o.scale_attn_weights ?? true)
        try cfg.validate(file: file)
        return cfg
    }

    public static func weights(_ s: CheckpointFiles, config c: ModelConfig, data: Data, file: String) throws -> TransformerWeights {
        let d = c.dModel, H = c.nHeads, dh = c.dHead, m = c.dMLP ?? 0, V = c.dVocab
        let prefix = s.contains("transformer.wte.weight") ? "transformer." : ""
        func t(_ name: String, _ shape: [Int]) throws -> WeightTensor { try s.tensor(prefix + name, shape: shape) }
        func ln(_ name: String) throws -> NormWeights {
            NormWeights(w: try t(name + ".weight", [d]), b: try t(name + ".bias", [d]))
        }
        var blocks: [BlockWeights] = []
        for l in 0..<c.nLayers {
            let p = "h.\(l)."
            let cAttn = try t(p + "attn.c_attn.weight", [d, 3 * d]), cAttnB = try t(p + "attn.c_attn.bias", [3 * d])
            // Column block i·d of c_attn is W_q, W_k, W_v; head h its columns h·d_head ..< (h+1)·d_head.
            let proj = (0..<3).map { i in HeadLinear(Linear(cAttn, offset: i * d, ld: 3 * d, transposed: false), headStep: dh) }
            let bias: [HeadVector?] = (0..<3).map { i in HeadVector(cAttnB, offset: i * d, headStep: dh) }
            let attn = AttentionWeights(projection: proj, bias: bias,
                                        wO: Linear(try t(p + "attn.c_proj.weight", [H * dh, d]), ld: d, transposed: false),
                                        bO: try t(p + "attn.c_proj.bias", [d]))
            let mlp = MLPWeights(wIn: Linear(try t(p + "mlp.c_fc.weight", [d, m]), ld: m, transposed: false),
                                 bIn: try t(p + "mlp.c_fc.bias", [m]),
                                 wOut: Linear(try t(p + "mlp.c_proj.weight", [m, d]), ld: d, transposed: false),
                                 bOut: try t(p + "mlp.c_proj.bias", [d]))
            blocks.append(BlockWeights(ln1: try ln(p + "ln_1"), attn: attn, ln2: try ln(p + "ln_2"), mlp: mlp))
        }
        let wte = try t("wte.weight", [V, d])
        // The unembedding is tied to wte unless the file carries its own lm_head.
        let lm = s.contains("lm_head.weight") ? try s.tensor("lm_head.weight", shape: [V, d]) : wte
        return TransformerWeights(wE: wte, wPos: try t("wpe.weight", [c.nCtx, d]), blocks: blocks,
                                  lnFinal: try ln("ln_f"), wU: Linear(lm, ld: d, transposed: true), bU: nil)
    }
}
