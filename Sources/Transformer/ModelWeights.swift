/// Weights in TransformerLens layout. Each property's checkpoint key and shape
/// is declared where it is loaded, so the mapping reads top to bottom.

public struct LayerNormWeights: Sendable {
    public let w: WeightTensor // "<prefix>.w" [d_model]
    public let b: WeightTensor // "<prefix>.b" [d_model]

    static func load(_ s: TensorSource, prefix: String, cfg: ModelConfig) throws -> LayerNormWeights? {
        guard cfg.normalization == .layerNorm else { return nil }
        return LayerNormWeights(w: try s.tensor("\(prefix).w", shape: [cfg.dModel]),
                                b: try s.tensor("\(prefix).b", shape: [cfg.dModel]))
    }
}

public struct AttentionWeights: Sendable {
    public let wQ: WeightTensor, wK: WeightTensor, wV: WeightTensor // [n_heads, d_model, d_head]
    public let bQ: WeightTensor, bK: WeightTensor, bV: WeightTensor // [n_heads, d_head]
    public let wO: WeightTensor                                      // [n_heads, d_head, d_model]
    public let bO: WeightTensor                                      // [d_model]

    static func load(_ s: TensorSource, layer l: Int, cfg c: ModelConfig) throws -> AttentionWeights {
        let p = "blocks.\(l).attn"
        let w = [c.nHeads, c.dModel, c.dHead], b = [c.nHeads, c.dHead]
        return AttentionWeights(
            wQ: try s.tensor("\(p).W_Q", shape: w), wK: try s.tensor("\(p).W_K", shape: w),
            wV: try s.tensor("\(p).W_V", shape: w),
            bQ: try s.tensor("\(p).b_Q", shape: b), bK: try s.tensor("\(p).b_K", shape: b),
            bV: try s.tensor("\(p).b_V", shape: b),
            wO: try s.tensor("\(p).W_O", shape: [c.nHeads, c.dHead, c.dModel]),
            bO: try s.tensor("\(p).b_O", shape: [c.dModel]))
    }

    public func weight(_ kind: QKV) -> WeightTensor {
        switch kind { case .q: wQ; case .k: wK; case .v: wV }
    }
    public func bias(_ kind: QKV) -> WeightTensor {
        switch kind { case .q: bQ; case .k: bK; case .v: bV }
    }
}

public struct MLPWeights: Sendable {
    public let wIn: WeightTensor  // "blocks.L.mlp.W_in"  [d_model, d_mlp]
    public let bIn: WeightTensor  // "blocks.L.mlp.b_in"  [d_mlp]
    public let wOut: WeightTensor // "blocks.L.mlp.W_out" [d_mlp, d_model]
    public let bOut: WeightTensor // "blocks.L.mlp.b_out" [d_model]

    static func load(_ s: TensorSource, layer l: Int, cfg c: ModelConfig) throws -> MLPWeights? {
        guard c.hasMLP, let m = c.dMLP else { return nil }
        let p = "blocks.\(l).mlp"
        return MLPWeights(wIn: try s.tensor("\(p).W_in", shape: [c.dModel, m]),
                          bIn: try s.tensor("\(p).b_in", shape: [m]),
                          wOut: try s.tensor("\(p).W_out", shape: [m, c.dModel]),
                          bOut: try s.tensor("\(p).b_out", shape: [c.dModel]))
    }
}

public struct BlockWeights: Sendable {
    public let ln1: LayerNormWeights? // "blocks.L.ln1"
    public let attn: AttentionWeights
    public let ln2: LayerNormWeights? // "blocks.L.ln2" (models with MLPs)
    public let mlp: MLPWeights?
}

public struct TransformerWeights: Sendable {
    public let wE: WeightTensor   // "embed.W_E"      [d_vocab, d_model]
    public let wPos: WeightTensor // "pos_embed.W_pos" [n_ctx, d_model]
    public let blocks: [BlockWeights]
    public let lnFinal: LayerNormWeights? // "ln_final"
    public let wU: WeightTensor   // "unembed.W_U"    [d_model, d_vocab_out]
    public let bU: WeightTensor   // "unembed.b_U"    [d_vocab_out]

    public static func load(_ s: TensorSource, config c: ModelConfig) throws -> TransformerWeights {
        var blocks: [BlockWeights] = []
        for l in 0..<c.nLayers {
            blocks.append(BlockWeights(
                ln1: try LayerNormWeights.load(s, prefix: "blocks.\(l).ln1", cfg: c),
                attn: try AttentionWeights.load(s, layer: l, cfg: c),
                ln2: c.hasMLP ? try LayerNormWeights.load(s, prefix: "blocks.\(l).ln2", cfg: c) : nil,
                mlp: try MLPWeights.load(s, layer: l, cfg: c)))
        }
        return TransformerWeights(
            wE: try s.tensor("embed.W_E", shape: [c.dVocab, c.dModel]),
            wPos: try s.tensor("pos_embed.W_pos", shape: [c.nCtx, c.dModel]),
            blocks: blocks,
            lnFinal: try LayerNormWeights.load(s, prefix: "ln_final", cfg: c),
            wU: try s.tensor("unembed.W_U", shape: [c.dModel, c.dVocabOut]),
            bU: try s.tensor("unembed.b_U", shape: [c.dVocabOut]))
    }
}

/// Which of a head's three inputs.
public enum QKV: Int, CaseIterable, Sendable, Codable {
    case q = 0, k = 1, v = 2
    public var letter: String { ["q", "k", "v"][rawValue] }
}

/// Tensors held in memory by name; the Hugging Face importer and tests use it.
public struct InMemoryTensors: TensorSource {
    public var origin: String
    public var tensors: [String: WeightTensor]
    public init(origin: String, tensors: [String: WeightTensor] = [:]) { self.origin = origin; self.tensors = tensors }
    public func contains(_ name: String) -> Bool { tensors[name] != nil }
    public func tensor(_ name: String, shape: [Int]) throws -> WeightTensor {
        guard let t = tensors[name] else { throw ModelError("\(origin): missing tensor '\(name)'") }
        guard t.shape == shape else { throw ModelError("\(origin): tensor '\(name)' has shape \(t.shape), expected \(shape)") }
        return t
    }
}
