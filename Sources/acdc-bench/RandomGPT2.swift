import Kernels
import Transformer

/// A GPT-2-small-shaped model (12 layers, d_model 768, 12 heads of 64, d_mlp
/// 3072, vocab 50257, n_ctx 1024, LayerNorm, gelu_new) with random weights.
/// Uniform weights of GPT-2's init scale (std 0.02) keep activations in a
/// realistic range; the values do not matter for speed.
enum RandomGPT2 {
    static func config(layers: Int = 12) -> ModelConfig {
        ModelConfig(nLayers: layers, dModel: 768, nHeads: 12, dHead: 64, dMLP: 3072, dVocab: 50257,
                    nCtx: 1024, activation: .geluNew, normalization: .layerNorm)
    }

    static func make(config c: ModelConfig, seed: UInt64) throws -> HookedTransformer {
        var rng = SplitMix64(seed: seed)
        var tensors = InMemoryTensors(origin: "random GPT-2 (seed \(seed))")
        let a = Float(0.02) * Float(3).squareRoot() // uniform half-width with std 0.02
        func add(_ name: String, _ shape: [Int], around centre: Float = 0, halfWidth: Float = a) {
            let n = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: n)
            for i in 0..<n { values[i] = centre + rng.symmetric(halfWidth) }
            tensors.tensors[name] = WeightTensor(copying: values, shape: shape)
        }
        let d = c.dModel, H = c.nHeads, dh = c.dHead, m = c.dMLP!
        add("embed.W_E", [c.dVocab, d])
        add("pos_embed.W_pos", [c.nCtx, d])
        for l in 0..<c.nLayers {
            let p = "blocks.\(l)"
            for ln in ["ln1", "ln2"] {
                add("\(p).\(ln).w", [d], around: 1, halfWidth: 0.1)
                add("\(p).\(ln).b", [d])
            }
            for x in ["Q", "K", "V"] {
                add("\(p).attn.W_\(x)", [H, d, dh])
                add("\(p).attn.b_\(x)", [H, dh])
            }
            add("\(p).attn.W_O", [H, dh, d])
            add("\(p).attn.b_O", [d])
            add("\(p).mlp.W_in", [d, m])
            add("\(p).mlp.b_in", [m])
            add("\(p).mlp.W_out", [m, d])
            add("\(p).mlp.b_out", [d])
        }
        add("ln_final.w", [d], around: 1, halfWidth: 0.1)
        add("ln_final.b", [d])
        add("unembed.W_U", [d, c.dVocabOut])
        add("unembed.b_U", [c.dVocabOut])
        let weights = try TransformerWeights.load(tensors, config: c)
        return HookedTransformer(config: c, weights: weights, origin: tensors.origin)
    }

    static func tokens(rows: Int, seqLen: Int, vocab: Int, seed: UInt64) throws -> TokenBatch {
        var rng = SplitMix64(seed: seed)
        let ids = (0..<rows).map { _ in (0..<seqLen).map { _ in rng.below(vocab) } }
        return try TokenBatch(ids, origin: "random tokens (seed \(seed))")
    }
}
