import Foundation
import Kernels
import Transformer

/// A GPT-2-shaped model with random weights: by default GPT-2 small (12
/// layers, d_model 768, 12 heads of 64, d_mlp 3072, vocab 50257, n_ctx 1024,
/// LayerNorm, gelu_new). Uniform weights of GPT-2's init scale (std 0.02)
/// keep activations in a realistic range; the values do not matter for speed.
enum RandomGPT2 {
    static func config(layers: Int = 12, dModel: Int = 768, heads: Int = 12, dMLP: Int = 3072,
                       vocab: Int = 50257) -> ModelConfig {
        ModelConfig(nLayers: layers, dModel: dModel, nHeads: heads, dHead: dModel / heads, dMLP: dMLP, dVocab: vocab,
                    nCtx: 1024, activation: .geluNew, normalization: .layerNorm)
    }

    /// `unembedScale` multiplies W_U: larger makes the predictions more confident
    /// (lower entropy), as a trained model's are.
    static func make(config c: ModelConfig, seed: UInt64, unembedScale: Float = 1) throws -> HookedTransformer {
        var rng = SplitMix64(seed: seed)
        var tensors = InMemoryTensors(origin: "random GPT-2 (seed \(seed))")
        let a = Float(0.02) * Float(3).squareRoot() // uniform half-width with std 0.02
        func add(_ name: String, _ shape: [Int], around centre: Float = 0, halfWidth: Float = a, scale: Float = 1) {
            let n = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: n)
            for i in 0..<n { values[i] = scale * (centre + rng.symmetric(halfWidth)) }
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
        add("unembed.W_U", [d, c.dVocabOut], scale: unembedScale)
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

extension RandomGPT2 {
    /// Mean entropy (nats) of the next-token distribution at the last position.
    static func lastPositionEntropy(_ model: HookedTransformer, _ tokens: TokenBatch) -> Double {
        let T = tokens.seqLen, V = model.config.dVocabOut
        let rows = (0..<tokens.rows).map { $0 * T + T - 1 }
        let logits = model.logits(tokens, rows: rows)
        var total = 0.0
        for i in 0..<rows.count {
            let row = logits[(i * V)..<((i + 1) * V)].map(Double.init)
            let top = row.max() ?? 0
            let z = row.reduce(0) { $0 + exp($1 - top) }
            var h = 0.0
            for x in row { let p = exp(x - top) / z; if p > 0 { h -= p * log(p) } }
            total += h
        }
        return total / Double(rows.count)
    }

    /// The random model with W_U scaled up (by doublings from 1) until the
    /// mean last-position entropy on `tokens` is at most `entropy` nats, so
    /// that, like the fixtures' trained models, it predicts confidently.
    /// Deterministic for a seed.
    static func confident(config c: ModelConfig, seed: UInt64, tokens: TokenBatch, entropy target: Double)
        throws -> (model: HookedTransformer, scale: Float, entropy: Double) {
        var scale: Float = 1
        while true {
            let model = try make(config: c, seed: seed, unembedScale: scale)
            let h = lastPositionEntropy(model, tokens)
            if h <= target || scale >= 1024 { return (model, scale, h) }
            scale *= 2
        }
    }
}
