import Foundation
import Kernels

/// TransformerLens checkpoints: `config.json` with flat `HookedTransformerConfig`
/// fields (no `model_type`) and tensors under TL's own names, in TL layout
/// (`W_Q [H, d_model, d_head]`, `W_O [H, d_head, d_model]`, `W_U [d_model, d_vocab]`).
public enum TransformerLens: Architecture {
    public static let modelType = "transformer_lens"
    /// TL's attention buffers (the causal mask and its fill value), saved with some state dicts.
    public static let ignoredTensors = ["blocks.*.attn.mask", "blocks.*.attn.IGNORE"]

    public static func config(json: [String: Any], data: Data, file: String) throws -> ModelConfig {
        try ModelConfig.parse(json, file: file)
    }

    public static func weights(_ files: CheckpointFiles, config: ModelConfig, data: Data, file: String) throws -> TransformerWeights {
        try TransformerWeights.load(files, config: config)
    }
}

/// The TransformerLens config: flat `HookedTransformerConfig` fields read with
/// `ConfigFields` (typed, TL's defaults, unknown fields refused). Grouped-query
/// attention, rotary, RMS norms, soft-capping and the other switches the HF
/// architectures handle stay refused here: this entry's key mapping below
/// reads TL's plain multi-head LayerNorm layout only, so accepting them would
/// load a different model.
extension ModelConfig {
    /// Reads and parses a TL `config.json` (see `parse`); for tools that need
    /// only the TL model description of a directory.
    public static func load(file path: String) throws -> ModelConfig {
        let data = Data(try InputFile.read(path, what: "model config", maxBytes: 16 << 20))
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelError("\(path): not a JSON object")
        }
        return try parse(obj, file: path)
    }

    /// Parses TL config JSON (`HookedTransformerConfig.to_dict()`). Every field
    /// is decoded with its type and TransformerLens's default when absent, or
    /// refused naming the key: a wrong-typed value never falls back to a
    /// default, and an unknown field is refused (it may change the model).
    /// Unsupported architecture switches are rejected rather than ignored.
    public static func parse(_ o: [String: Any], file: String) throws -> ModelConfig {
        var fields = ConfigFields(object: o, file: file)
        // Fields that never change the forward pass (names, provenance,
        // initialisation, tokenizer, device placement): any value is accepted.
        fields.ignore(["model_name", "original_architecture", "from_checkpoint", "checkpoint_index",
                       "checkpoint_label_type", "checkpoint_value", "tokenizer_name", "init_mode",
                       "initializer_range", "init_weights", "seed", "device", "n_devices", "n_params",
                       "default_prepend_bos", "tokenizer_prepends_bos", "trust_remote_code", "load_in_4bit",
                       "use_hook_tokens", "use_attn_result", "use_split_qkv_input", "use_hook_mlp_in",
                       "use_attn_in", "tie_word_embeddings", "decoder_start_token_id", "experts_per_token",
                       "ungroup_grouped_query_attention", "model_type_hint"])

        // Switches TransformerLens defaults to off whose "on" this runtime lacks.
        for k in ["parallel_attn_mlp", "gated_mlp", "final_rms", "scale_attn_by_inverse_layer_idx", "use_local_attn",
                  "post_embedding_ln", "use_normalization_before_and_after", "use_NTK_by_parts_rope", "use_qk_norm",
                  "rotary_adjacent_pairs"] {
            if try fields.bool(k, default: false) { throw ModelError("\(file): '\(k)': true is not supported") }
        }
        if let r = try fields.optionalInt("rotary_dim"), r > 0 { throw ModelError("\(file): rotary embeddings ('rotary_dim' \(r)) are not supported") }
        if try fields.optionalInt("num_experts") != nil { throw ModelError("\(file): 'num_experts': mixture-of-experts models are not supported") }
        for k in ["attn_scores_soft_cap", "output_logits_soft_cap"] {
            let cap = try fields.number(k, default: -1)
            if cap > 0 { throw ModelError("\(file): '\(k)' \(cap): soft-capping is not supported") }
        }
        // Read only so their types are checked; they matter only for switches refused above.
        for k in ["rotary_base", "NTK_by_parts_low_freq_factor", "NTK_by_parts_high_freq_factor", "NTK_by_parts_factor",
                  "NTK_original_ctx_len", "relative_attention_max_distance", "relative_attention_num_buckets", "window_size"] {
            _ = try fields.optionalNumber(k)
        }
        _ = try fields.optionalAny("attn_types")
        if let dt = try fields.optionalString("dtype"), dt != "float32" {
            throw ModelError("\(file): dtype '\(dt)' is not supported (float32 only)")
        }

        let attnOnly = try fields.bool("attn_only", default: false)
        var act = Activation.geluNew
        switch try fields.optionalString("act_fn") {
        case let name?:
            guard let a = Activation(rawValue: name) else { throw ModelError("\(file): unsupported act_fn '\(name)'") }
            act = a
        case nil where !attnOnly:
            throw ModelError("\(file): 'act_fn' is missing or null, and the model has MLPs")
        case nil: break
        }
        // TL: absent means "LN"; an explicit null means no normalisation.
        var norm: Normalization? = .layerNorm
        switch try fields.nullableString("normalization_type", default: "LN") {
        case .some(let n):
            // "RMS" is refused: this entry maps LayerNorm weights only (RMS models load as their HF architecture).
            guard let v = Normalization(rawValue: n), v != .rms else { throw ModelError("\(file): unsupported normalization_type '\(n)'") }
            norm = v
        case .none: norm = nil
        }
        let posName = try fields.string("positional_embedding_type", default: "standard")
        // "rotary" is refused like 'rotary_dim' above: TL's rotary layout is not mapped here.
        guard let pos = PositionalEmbedding(rawValue: posName), pos != .rotary else {
            throw ModelError("\(file): unsupported positional_embedding_type '\(posName)'")
        }
        let dirName = try fields.string("attention_dir", default: "causal")
        guard dirName == "causal" || dirName == "bidirectional" else {
            throw ModelError("\(file): unsupported attention_dir '\(dirName)'")
        }
        let dModel = try fields.int("d_model"), dHead = try fields.int("d_head")
        var nHeads = try fields.int("n_heads", default: -1)
        if nHeads == -1, dHead > 0 { nHeads = dModel / dHead }     // TL: d_model // d_head
        if let kv = try fields.optionalInt("n_key_value_heads"), kv != nHeads {
            throw ModelError("\(file): 'n_key_value_heads' \(kv) != n_heads \(nHeads): grouped-query attention is not supported")
        }
        let dVocab = try fields.int("d_vocab")
        var dOut = try fields.optionalInt("d_vocab_out") ?? -1
        if dOut == -1 { dOut = dVocab }
        var dMLP = try fields.optionalInt("d_mlp")
        if dMLP == nil && !attnOnly { dMLP = 4 * dModel }          // TL's default
        let eps = try fields.number("eps", default: 1e-5)
        guard eps.isFinite, eps > 0, Float(eps).isFinite, Float(eps) > 0 else {
            throw ModelError("\(file): 'eps' must be a finite positive number, got \(eps)")
        }
        let useAttnScale = try fields.bool("use_attn_scale", default: true)
        let attnScale = try fields.number("attn_scale", default: -1)
        if useAttnScale && attnScale != -1 && dHead > 0 && abs(attnScale - Double(dHead).squareRoot()) > 1e-6 * attnScale {
            throw ModelError("\(file): 'attn_scale' \(attnScale) differs from sqrt(d_head) = \(Double(dHead).squareRoot()); a custom scale is not supported")
        }
        let cfg = ModelConfig(
            nLayers: try fields.int("n_layers"), dModel: dModel, nHeads: nHeads,
            dHead: dHead, dMLP: attnOnly ? nil : dMLP, dVocab: dVocab, dVocabOut: dOut,
            nCtx: try fields.int("n_ctx"), activation: act, normalization: norm, attnOnly: attnOnly,
            positionalEmbedding: pos, causal: dirName == "causal", eps: Float(eps), useAttnScale: useAttnScale)
        try fields.refuseUnknown()
        try cfg.validate(file: file)
        return cfg
    }
}

extension TransformerWeights {
    /// The TransformerLens key mapping (also used for models built in memory).
    public static func load(_ s: TensorSource, config c: ModelConfig) throws -> TransformerWeights {
        let d = c.dModel, H = c.nHeads, dh = c.dHead
        func ln(_ prefix: String) throws -> NormWeights? {
            guard c.normalization != nil else { return nil }
            guard c.normalization == .layerNorm else { return NormWeights(w: nil, b: nil) }
            return NormWeights(w: try s.tensor("\(prefix).w", shape: [d]), b: try s.tensor("\(prefix).b", shape: [d]))
        }
        var blocks: [BlockWeights] = []
        for l in 0..<c.nLayers {
            let p = "blocks.\(l).attn"
            var proj: [HeadLinear] = [], bias: [HeadVector?] = []
            for x in ["Q", "K", "V"] {
                // W_X [H, d, d_head]: head h is a row-major [d, d_head] matrix.
                proj.append(HeadLinear(Linear(try s.tensor("\(p).W_\(x)", shape: [H, d, dh]), ld: dh, transposed: false), headStep: d * dh))
                bias.append(HeadVector(try s.tensor("\(p).b_\(x)", shape: [H, dh]), headStep: dh))
            }
            let attn = AttentionWeights(projection: proj, bias: bias,
                                        wO: Linear(try s.tensor("\(p).W_O", shape: [H, dh, d]), ld: d, transposed: false),
                                        bO: try s.tensor("\(p).b_O", shape: [d]))
            var mlp: MLPWeights? = nil
            if c.hasMLP, let m = c.dMLP {
                let q = "blocks.\(l).mlp"
                mlp = MLPWeights(wIn: Linear(try s.tensor("\(q).W_in", shape: [d, m]), ld: m, transposed: false),
                                 bIn: try s.tensor("\(q).b_in", shape: [m]),
                                 wOut: Linear(try s.tensor("\(q).W_out", shape: [m, d]), ld: d, transposed: false),
                                 bOut: try s.tensor("\(q).b_out", shape: [d]))
            }
            blocks.append(BlockWeights(ln1: try ln("blocks.\(l).ln1"), attn: attn,
                                       ln2: c.hasMLP ? try ln("blocks.\(l).ln2") : nil, mlp: mlp))
        }
        return TransformerWeights(
            wE: try s.tensor("embed.W_E", shape: [c.dVocab, d]),
            wPos: try s.tensor("pos_embed.W_pos", shape: [c.nCtx, d]),
            blocks: blocks,
            lnFinal: try ln("ln_final"),
            wU: Linear(try s.tensor("unembed.W_U", shape: [d, c.dVocabOut]), ld: c.dVocabOut, transposed: false),
            bU: try s.tensor("unembed.b_U", shape: [c.dVocabOut]))
    }
}
