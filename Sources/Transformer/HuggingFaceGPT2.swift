import Foundation
import Kernels

/// Converts a Hugging Face GPT-2 checkpoint (`transformer.h.N.attn.c_attn.weight`,
/// Conv1D weights stored `[in, out]`) into TransformerLens layout, the way
/// TransformerLens's `convert_gpt2_weights` does it, without weight processing.
enum HuggingFaceGPT2 {
    static func convert(config o: [String: Any], configPath: String, file: SafetensorsFile) throws -> (ModelConfig, InMemoryTensors) {
        // Typed reads (a wrong-typed value is refused, not defaulted); other
        // Hugging Face fields (dropout, tokenizer ids, ...) do not change the forward.
        var fields = ConfigFields(object: o, file: configPath)
        let d = try fields.int("n_embd"), H = try fields.int("n_head"), L = try fields.int("n_layer")
        let vocab = try fields.int("vocab_size"), nCtx = try fields.int("n_positions")
        guard H > 0, d % H == 0 else {
            throw ModelError("\(configPath): n_embd \(d) is not a multiple of n_head \(H) (d_model must equal n_heads·d_head)")
        }
        if try fields.bool("scale_attn_by_inverse_layer_idx", default: false) {
            throw ModelError("\(configPath): scale_attn_by_inverse_layer_idx is not supported")
        }
        let inner = try fields.optionalInt("n_inner") ?? 4 * d
        let actName = try fields.string("activation_function", default: "gelu_new")
        guard let act = Activation(rawValue: actName) else {
            throw ModelError("\(configPath): unsupported activation_function '\(actName)'")
        }
        let eps = try fields.number("layer_norm_epsilon", default: 1e-5)
        guard eps.isFinite, eps > 0, Float(eps).isFinite, Float(eps) > 0 else {
            throw ModelError("\(configPath): 'layer_norm_epsilon' must be a finite positive number, got \(eps)")
        }
        let cfg = ModelConfig(nLayers: L, dModel: d, nHeads: H, dHead: d / H, dMLP: inner, dVocab: vocab,
                              nCtx: nCtx, activation: act, normalization: .layerNorm, eps: Float(eps),
                              useAttnScale: try fields.bool("scale_attn_weights", default: true))
        try cfg.validate(file: configPath)
        let dh = d / H
        let prefix = file.contains("transformer.wte.weight") ? "transformer." : ""
        func t(_ name: String, _ shape: [Int]) throws -> [Float] { try file.tensor(prefix + name, shape: shape).array }

        var out = InMemoryTensors(origin: file.path)
        func put(_ name: String, _ v: [Float], _ shape: [Int]) { out.tensors[name] = WeightTensor(copying: v, shape: shape) }

        let wte = try t("wte.weight", [vocab, d])
        put("embed.W_E", wte, [vocab, d])
        put("pos_embed.W_pos", try t("wpe.weight", [nCtx, d]), [nCtx, d])
        for l in 0..<L {
            let p = "h.\(l)."
            put("blocks.\(l).ln1.w", try t(p + "ln_1.weight", [d]), [d])
            put("blocks.\(l).ln1.b", try t(p + "ln_1.bias", [d]), [d])
            let cAttn = try t(p + "attn.c_attn.weight", [d, 3 * d])
            let cAttnB = try t(p + "attn.c_attn.bias", [3 * d])
            for (i, name) in ["Q", "K", "V"].enumerated() {
                // W[h, m, j] = c_attn[m, i·d + h·dh + j]
                var w = [Float](repeating: 0, count: H * d * dh)
                for h in 0..<H { for m in 0..<d { for j in 0..<dh {
                    w[(h * d + m) * dh + j] = cAttn[m * 3 * d + i * d + h * dh + j]
                } } }
                put("blocks.\(l).attn.W_\(name)", w, [H, d, dh])
                put("blocks.\(l).attn.b_\(name)", Array(cAttnB[(i * d)..<((i + 1) * d)]), [H, dh])
            }
            // c_proj [d_in = H·dh, d_out] is already W_O [H, dh, d] in row-major order.
            put("blocks.\(l).attn.W_O", try t(p + "attn.c_proj.weight", [d, d]), [H, dh, d])
            put("blocks.\(l).attn.b_O", try t(p + "attn.c_proj.bias", [d]), [d])
            put("blocks.\(l).ln2.w", try t(p + "ln_2.weight", [d]), [d])
            put("blocks.\(l).ln2.b", try t(p + "ln_2.bias", [d]), [d])
            put("blocks.\(l).mlp.W_in", try t(p + "mlp.c_fc.weight", [d, inner]), [d, inner])
            put("blocks.\(l).mlp.b_in", try t(p + "mlp.c_fc.bias", [inner]), [inner])
            put("blocks.\(l).mlp.W_out", try t(p + "mlp.c_proj.weight", [inner, d]), [inner, d])
            put("blocks.\(l).mlp.b_out", try t(p + "mlp.c_proj.bias", [d]), [d])
        }
        put("ln_final.w", try t("ln_f.weight", [d]), [d])
        put("ln_final.b", try t("ln_f.bias", [d]), [d])
        // The unembedding is tied to wte unless the file carries its own lm_head.
        let lm = file.contains("lm_head.weight") ? try file.tensor("lm_head.weight", shape: [vocab, d]).array : wte
        var wU = [Float](repeating: 0, count: d * vocab)
        for v in 0..<vocab { for m in 0..<d { wU[m * vocab + v] = lm[v * d + m] } }
        put("unembed.W_U", wU, [d, vocab])
        put("unembed.b_U", [Float](repeating: 0, count: vocab), [vocab])
        return (cfg, out)
    }
}
