import Foundation

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
