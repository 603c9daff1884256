import Foundation
import Kernels

/// The model description every part of the runtime works from: TransformerLens's
/// `HookedTransformerConfig` fields plus the switches of the Hugging Face
/// architectures (`Architectures/`), each of which decodes its own config into it.
public struct ModelConfig: Sendable, Equatable {
    public enum Normalization: String, Sendable { case layerNorm = "LN", layerNormPre = "LNPre", rms = "RMS" }
    public enum PositionalEmbedding: String, Sendable { case standard, shortformer, rotary }

    public var nLayers: Int
    public var dModel: Int
    public var nHeads: Int
    public var dHead: Int
    public var dMLP: Int?
    public var dVocab: Int
    public var dVocabOut: Int
    public var nCtx: Int
    public var activation: Activation
    public var normalization: Normalization?
    public var attnOnly: Bool
    public var positionalEmbedding: PositionalEmbedding
    public var causal: Bool
    public var eps: Float
    public var useAttnScale: Bool

    // Beyond GPT-2 (defaults: GPT-2 behaviour).
    /// Key/value heads (grouped-query attention when < nHeads); query head h
    /// reads key/value head `h / (nHeads / nKVHeads)`.
    public var nKVHeads: Int
    /// Rotary embedding of q and k (positionalEmbedding == .rotary).
    public var rotary: Rotary?
    /// The attention scale (one definition: 1/√d_head, 1, or the model's own).
    public var attentionScale: Float
    public var attnSoftcap: Float?
    public var finalSoftcap: Float?
    /// Sliding window and the layers that use it.
    public var slidingWindow: Int?
    public var slidingLayers: [Bool]
    /// Added to every norm weight (Gemma stores `w − 1`).
    public var normWeightOffset: Float
    /// ln1 before attention and ln2 before the MLP (OLMo 2 has neither).
    public var preNorms: Bool
    /// Norms of the attention / MLP output before it joins the residual (Gemma 2, OLMo 2).
    public var postAttentionNorm: Bool
    public var postMLPNorm: Bool
    /// OLMo 2: RMSNorm over the whole q (all heads) and k projection, before rotary.
    public var qkNorm: Bool
    /// `act(x·W_gate) ⊙ (x·W_in)` instead of `act(x·W_in)`.
    public var gatedMLP: Bool
    /// GPT-NeoX: attention and MLP both read the block input; resid_post = resid_pre + attn_out + mlp_out.
    public var parallelResidual: Bool
    /// Gemma: the token embedding is multiplied by this (√d_model).
    public var embeddingScale: Float?

    public init(nLayers: Int, dModel: Int, nHeads: Int, dHead: Int, dMLP: Int?, dVocab: Int,
                dVocabOut: Int? = nil, nCtx: Int, activation: Activation = .geluNew,
                normalization: Normalization? = .layerNorm, attnOnly: Bool = false,
                positionalEmbedding: PositionalEmbedding = .standard, causal: Bool = true,
                eps: Float = 1e-5, useAttnScale: Bool = true, nKVHeads: Int? = nil, rotary: Rotary? = nil,
                attentionScale: Float? = nil, attnSoftcap: Float? = nil, finalSoftcap: Float? = nil,
                slidingWindow: Int? = nil, slidingLayers: [Bool] = [], normWeightOffset: Float = 0,
                preNorms: Bool = true, postAttentionNorm: Bool = false, postMLPNorm: Bool = false,
                qkNorm: Bool = false, gatedMLP: Bool = false, parallelResidual: Bool = false,
                embeddingScale: Float? = nil) {
        self.nLayers = nLayers; self.dModel = dModel; self.nHeads = nHeads; self.dHead = dHead
        self.dMLP = attnOnly ? nil : dMLP; self.dVocab = dVocab; self.dVocabOut = dVocabOut ?? dVocab
        self.nCtx = nCtx; self.activation = activation; self.normalization = normalization
        self.attnOnly = attnOnly; self.positionalEmbedding = positionalEmbedding; self.causal = causal
        self.eps = eps; self.useAttnScale = useAttnScale
        self.nKVHeads = nKVHeads ?? nHeads; self.rotary = rotary
        self.attentionScale = attentionScale ?? (useAttnScale ? 1 / Float(dHead).squareRoot() : 1)
        self.attnSoftcap = attnSoftcap; self.finalSoftcap = finalSoftcap
        self.slidingWindow = slidingWindow; self.slidingLayers = slidingLayers
        self.normWeightOffset = normWeightOffset; self.preNorms = preNorms
        self.postAttentionNorm = postAttentionNorm; self.postMLPNorm = postMLPNorm
        self.qkNorm = qkNorm; self.gatedMLP = gatedMLP; self.parallelResidual = parallelResidual
        self.embeddingScale = embeddingScale
    }

    public var hasMLP: Bool { !attnOnly }
    /// Whether the model has a learned position table (`W_pos`).
    public var hasPositionTable: Bool { positionalEmbedding != .rotary }
    /// Whether ln1/ln2 exist (normalised and pre-norm).
    public var hasPreNorms: Bool { normalization != nil && preNorms }
    /// Query heads per key/value head.
    public var queriesPerKVHead: Int { nHeads / nKVHeads }

    /// How layer `l` turns q·k into attention weights.
    public func attentionRule(layer l: Int) -> AttentionRule {
        let slides = l < slidingLayers.count && slidingLayers[l]
        return AttentionRule(scale: attentionScale, softcap: attnSoftcap, causal: causal,
                             window: slides ? slidingWindow : nil)
    }

    public func validate(file: String) throws {
        for (k, v) in [("n_layers", nLayers), ("d_model", dModel), ("n_heads", nHeads), ("d_head", dHead),
                       ("d_vocab", dVocab), ("d_vocab_out", dVocabOut), ("n_ctx", nCtx)] where v <= 0 {
            throw ModelError("\(file): '\(k)' must be positive, got \(v)")
        }
        if hasMLP && (dMLP ?? 0) <= 0 { throw ModelError("\(file): 'd_mlp' must be positive for a model with MLPs") }
        if nKVHeads <= 0 || nHeads % nKVHeads != 0 {
            throw ModelError("\(file): \(nHeads) attention heads cannot be grouped over \(nKVHeads) key/value heads")
        }
        // d_model == n_heads·d_head is not required here: TransformerLens keeps per-head
        // projections, and tracr models (d_model 41, one head of 12) violate it. The
        // Hugging Face importer, whose fused qkv does need it, checks it there.
    }
}
