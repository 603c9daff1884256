import Foundation
import Kernels

/// What the Llama-family checkpoints (llama, qwen2, mistral, gemma2, phi3,
/// olmo2) share: the `model.layers.N.self_attn.*_proj` / `mlp.*_proj` key
/// layout, torch `nn.Linear` weights (`[out, in]`), RMSNorm gains, and the
/// rope keys in both spellings. Each architecture's file says which variant it uses.
struct DecoderLayout {
    /// Separate `q_proj`/`k_proj`/`v_proj` (with biases when `qkvBias`) or Phi-3's fused `qkv_proj`.
    var fusedQKV = false
    var qkvBias = false
    var oBias = false
    /// Separate `gate_proj`/`up_proj` or Phi-3's fused `gate_up_proj` (gate rows first).
    var fusedGateUp = false
    /// Norm tensor names per site (nil: the site has no norm).
    var ln1: String? = "input_layernorm"
    var ln2: String? = "post_attention_layernorm"
    var postAttention: String? = nil
    var postMLP: String? = nil
    /// OLMo 2's `self_attn.q_norm` / `k_norm`.
    var qkNorm = false
    var tied = false

    /// Rotary buffers some converted checkpoints carry.
    static let ignored = ["model.layers.*.self_attn.rotary_emb.inv_freq"]

    func weights(_ s: CheckpointFiles, config c: ModelConfig) throws -> TransformerWeights {
        let d = c.dModel, H = c.nHeads, K = c.nKVHeads, dh = c.dHead, m = c.dMLP ?? 0, V = c.dVocab
        func gain(_ name: String) throws -> NormWeights { NormWeights(w: try s.tensor(name, shape: [d]), b: nil) }
        var blocks: [BlockWeights] = []
        for l in 0..<c.nLayers {
            let p = "model.layers.\(l)."
            var proj: [HeadLinear] = [], bias: [HeadVector?] = []
            if fusedQKV {
                // Rows: all q heads, then all k heads, then all v heads.
                let w = try s.tensor(p + "self_attn.qkv_proj.weight", shape: [(H + 2 * K) * dh, d])
                for start in [0, H, H + K] {
                    proj.append(HeadLinear(Linear(w, offset: start * dh * d, ld: d, transposed: true), headStep: dh * d))
                    bias.append(nil)
                }
            } else {
                for (x, heads) in [("q", H), ("k", K), ("v", K)] {
                    let w = try s.tensor(p + "self_attn.\(x)_proj.weight", shape: [heads * dh, d])
                    proj.append(HeadLinear(Linear(w, ld: d, transposed: true), headStep: dh * d))
                    bias.append(qkvBias ? HeadVector(try s.tensor(p + "self_attn.\(x)_proj.bias", shape: [heads * dh]), headStep: dh) : nil)
                }
            }
            let attn = AttentionWeights(
                projection: proj, bias: bias,
                wO: Linear(try s.tensor(p + "self_attn.o_proj.weight", shape: [d, H * dh]), ld: H * dh, transposed: true),
                bO: oBias ? try s.tensor(p + "self_attn.o_proj.bias", shape: [d]) : nil,
                qNorm: qkNorm ? try s.tensor(p + "self_attn.q_norm.weight", shape: [H * dh]) : nil,
                kNorm: qkNorm ? try s.tensor(p + "self_attn.k_norm.weight", shape: [K * dh]) : nil)
            let up: Linear, gate: Linear
            if fusedGateUp {
                let w = try s.tensor(p + "mlp.gate_up_proj.weight", shape: [2 * m, d])
                gate = Linear(w, ld: d, transposed: true)
                up = Linear(w, offset: m * d, ld: d, transposed: true)
            } else {
                gate = Linear(try s.tensor(p + "mlp.gate_proj.weight", shape: [m, d]), ld: d, transposed: true)
                up = Linear(try s.tensor(p + "mlp.up_proj.weight", shape: [m, d]), ld: d, transposed: true)
            }
            let mlp = MLPWeights(wIn: up, wGate: gate, bIn: nil,
                                 wOut: Linear(try s.tensor(p + "mlp.down_proj.weight", shape: [d, m]), ld: m, transposed: true),
                                 bOut: nil)
            blocks.append(BlockWeights(ln1: try ln1.map { try gain(p + $0 + ".weight") }, attn: attn,
                                       ln2: try ln2.map { try gain(p + $0 + ".weight") }, mlp: mlp,
                                       postAttentionNorm: try postAttention.map { try gain(p + $0 + ".weight") },
                                       postMLPNorm: try postMLP.map { try gain(p + $0 + ".weight") }))
        }
        let embed = try s.tensor("model.embed_tokens.weight", shape: [V, d])
        // Tied models may still ship an lm_head copy; use it when present.
        let head = tied && !s.contains("lm_head.weight") ? embed : try s.tensor("lm_head.weight", shape: [V, d])
        return TransformerWeights(wE: embed, wPos: nil, blocks: blocks, lnFinal: try gain("model.norm.weight"),
                                  wU: Linear(head, ld: d, transposed: true), bU: nil)
    }
}

/// The rope keys of a Hugging Face config in both spellings: transformers 5's
/// `rope_parameters` object, or the top-level `rope_theta` / `rope_scaling` /
/// `partial_rotary_factor` of published checkpoints.
struct RopeKeys: Codable {
    var rope_theta: Double?
    var rope_scaling: RopeScaling?
    var rope_parameters: RopeParameters?
    var partial_rotary_factor: Double?

    struct RopeParameters: Codable {
        var rope_theta: Double?
        var rope_type: String?
        var partial_rotary_factor: Double?
        var factor: Double?
        var low_freq_factor: Double?
        var high_freq_factor: Double?
        var original_max_position_embeddings: Int?
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rope_theta = try c.decodeIfPresent(Double.self, forKey: .rope_theta)
        rope_scaling = try c.decodeIfPresent(RopeScaling.self, forKey: .rope_scaling)
        rope_parameters = try c.decodeIfPresent(RopeParameters.self, forKey: .rope_parameters)
        partial_rotary_factor = try c.decodeIfPresent(Double.self, forKey: .partial_rotary_factor)
    }

    /// The rotary embedding of heads of `headDim` (`partial` overrides the config's fraction).
    func rotary(headDim: Int, defaultTheta: Double = 10000, partial: Double? = nil, check: ConfigCheck) throws -> Rotary {
        let p = rope_parameters
        let theta = p?.rope_theta ?? rope_theta ?? defaultTheta
        let fraction = partial ?? p?.partial_rotary_factor ?? partial_rotary_factor ?? 1
        guard fraction > 0, fraction <= 1 else { throw check.refuse("partial_rotary_factor", "must be in (0, 1], got \(fraction)") }
        var scaling = rope_scaling
        if let p, (p.rope_type ?? "default") != "default" {
            scaling = RopeScaling(rope_type: p.rope_type, type: nil, factor: p.factor, low_freq_factor: p.low_freq_factor,
                                  high_freq_factor: p.high_freq_factor,
                                  original_max_position_embeddings: p.original_max_position_embeddings, rope_theta: nil)
        }
        return try makeRotary(dim: Int(Double(headDim) * fraction), theta: theta, scaling: scaling, check: check)
    }
}

/// Which layers slide: `layer_types` when present, else `fallback(layer)`.
func slidingLayers(_ types: [String]?, layers: Int, check: ConfigCheck, fallback: (Int) -> Bool) throws -> [Bool] {
    guard let types else { return (0..<layers).map(fallback) }
    guard types.count == layers else { throw check.refuse("layer_types", "has \(types.count) entries for \(layers) layers") }
    return try types.map { t in
        switch t {
        case "sliding_attention": return true
        case "full_attention": return false
        default: throw check.refuse("layer_types", "'\(t)' is not supported (sliding_attention, full_attention)")
        }
    }
}

/// The size keys every Llama-family config has (HF names).
struct DecoderKeys: Codable {
    var vocab_size: Int
    var hidden_size: Int
    var intermediate_size: Int
    var num_hidden_layers: Int
    var num_attention_heads: Int
    var num_key_value_heads: Int?
    var head_dim: Int?
    var max_position_embeddings: Int
    var rms_norm_eps: Double?
    var hidden_act: String?
    var tie_word_embeddings: Bool?

    /// The model description these keys give (the caller adds its architecture's switches).
    func config(check: ConfigCheck, activation: String? = nil, defaultEps: Double = 1e-6) throws -> ModelConfig {
        let d = try check.positive("hidden_size", hidden_size), H = try check.positive("num_attention_heads", num_attention_heads)
        let K = try check.positive("num_key_value_heads", num_key_value_heads ?? H)
        guard H % K == 0 else { throw check.refuse("num_key_value_heads", "\(H) attention heads are not a multiple of \(K)") }
        let dh: Int
        if let h = head_dim { dh = try check.positive("head_dim", h) } else {
            guard d % H == 0 else { throw check.refuse("head_dim", "missing and hidden_size \(d) is not a multiple of num_attention_heads \(H)") }
            dh = d / H
        }
        let actKey = activation == nil ? "hidden_act" : "hidden_activation"
        return ModelConfig(nLayers: try check.positive("num_hidden_layers", num_hidden_layers), dModel: d, nHeads: H, dHead: dh,
                           dMLP: try check.positive("intermediate_size", intermediate_size),
                           dVocab: try check.positive("vocab_size", vocab_size),
                           nCtx: try check.positive("max_position_embeddings", max_position_embeddings),
                           activation: try check.activation(actKey, activation ?? hidden_act ?? "silu"),
                           normalization: .rms, positionalEmbedding: .rotary,
                           eps: try check.finitePositive("rms_norm_eps", rms_norm_eps ?? defaultEps),
                           nKVHeads: K, attentionScale: Float(1 / Double(dh).squareRoot()), gatedMLP: true)
    }

    /// `config` with the rotary embedding the rope keys of the same `config.json` (`data`) give.
    func rotaryConfig(_ data: Data, file: String, check: ConfigCheck, activation: String? = nil,
                      defaultEps: Double = 1e-6) throws -> ModelConfig {
        var c = try config(check: check, activation: activation, defaultEps: defaultEps)
        c.rotary = try decodeConfig(RopeKeys.self, data, file: file).rotary(headDim: c.dHead, check: check)
        return c
    }
}

/// The config of a Llama-layout model whose `sliding_window`, when not null,
/// applies to every layer (Mistral, Phi-3); the architectures that slide only
/// some layers (Qwen2, Gemma 2) read their own keys.
func everyLayerSlidingConfig(_ data: Data, file: String, defaultEps: Double) throws -> ModelConfig {
    struct Keys: Codable { var sliding_window: Int? }
    let check = ConfigCheck(file: file)
    let keys = try decodeConfig(DecoderKeys.self, data, file: file)
    let own = try decodeConfig(Keys.self, data, file: file)
    var c = try keys.rotaryConfig(data, file: file, check: check, defaultEps: defaultEps)
    if let w = own.sliding_window {
        c.slidingWindow = try check.positive("sliding_window", w)
        c.slidingLayers = Array(repeating: true, count: c.nLayers)
    }
    try c.validate(file: file)
    return c
}
