import Foundation
import Kernels

/// The subset of TransformerLens's `HookedTransformerConfig` that the runtime
/// honours, read from a model directory's `config.json` (flat TL field names).
public struct ModelConfig: Sendable, Equatable {
    public enum Normalization: String, Sendable { case layerNorm = "LN", layerNormPre = "LNPre" }
    public enum PositionalEmbedding: String, Sendable { case standard, shortformer }

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

    public init(nLayers: Int, dModel: Int, nHeads: Int, dHead: Int, dMLP: Int?, dVocab: Int,
                dVocabOut: Int? = nil, nCtx: Int, activation: Activation = .geluNew,
                normalization: Normalization? = .layerNorm, attnOnly: Bool = false,
                positionalEmbedding: PositionalEmbedding = .standard, causal: Bool = true,
                eps: Float = 1e-5, useAttnScale: Bool = true) {
        self.nLayers = nLayers; self.dModel = dModel; self.nHeads = nHeads; self.dHead = dHead
        self.dMLP = attnOnly ? nil : dMLP; self.dVocab = dVocab; self.dVocabOut = dVocabOut ?? dVocab
        self.nCtx = nCtx; self.activation = activation; self.normalization = normalization
        self.attnOnly = attnOnly; self.positionalEmbedding = positionalEmbedding; self.causal = causal
        self.eps = eps; self.useAttnScale = useAttnScale
    }

    public var hasMLP: Bool { !attnOnly }

    /// Parses TL config JSON. Unsupported architecture switches are rejected
    /// rather than silently ignored.
    public static func load(file path: String) throws -> ModelConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError("\(path): cannot read model config (missing file?)")
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelError("\(path): not a JSON object")
        }
        return try parse(obj, file: path)
    }

    public static func parse(_ o: [String: Any], file: String) throws -> ModelConfig {
        func int(_ k: String) throws -> Int {
            // `as? Int` only succeeds for exact integers (not 4.5, not 1e300).
            guard let v = o[k] as? Int else { throw ModelError("\(file): missing or non-integer field '\(k)'") }
            return v
        }
        func optInt(_ k: String) -> Int? { o[k] as? Int }
        func bool(_ k: String, _ d: Bool) -> Bool { (o[k] as? NSNumber)?.boolValue ?? d }
        func str(_ k: String) -> String? { o[k] as? String }

        for (k, bad) in [("parallel_attn_mlp", true), ("gated_mlp", true), ("final_rms", true),
                         ("scale_attn_by_inverse_layer_idx", true), ("use_local_attn", true)] {
            if bool(k, false) == bad { throw ModelError("\(file): '\(k)': true is not supported") }
        }
        if let r = optInt("rotary_dim"), r > 0 { throw ModelError("\(file): rotary embeddings are not supported") }
        if let dt = str("dtype"), dt != "float32" { throw ModelError("\(file): dtype '\(dt)' is not supported (float32 only)") }

        let attnOnly = bool("attn_only", false)
        let actName = str("act_fn") ?? "gelu_new"
        guard let act = Activation(rawValue: actName) else { throw ModelError("\(file): unsupported act_fn '\(actName)'") }
        var norm: Normalization? = nil
        if let n = str("normalization_type") {
            guard let v = Normalization(rawValue: n) else { throw ModelError("\(file): unsupported normalization_type '\(n)'") }
            norm = v
        }
        let posName = str("positional_embedding_type") ?? "standard"
        guard let pos = PositionalEmbedding(rawValue: posName) else {
            throw ModelError("\(file): unsupported positional_embedding_type '\(posName)'")
        }
        let dirName = str("attention_dir") ?? "causal"
        guard dirName == "causal" || dirName == "bidirectional" else {
            throw ModelError("\(file): unsupported attention_dir '\(dirName)'")
        }
        let dVocab = try int("d_vocab")
        var dOut = optInt("d_vocab_out") ?? -1
        if dOut <= 0 { dOut = dVocab }
        let cfg = ModelConfig(
            nLayers: try int("n_layers"), dModel: try int("d_model"), nHeads: try int("n_heads"),
            dHead: try int("d_head"), dMLP: attnOnly ? nil : optInt("d_mlp"), dVocab: dVocab, dVocabOut: dOut,
            nCtx: try int("n_ctx"), activation: act, normalization: norm, attnOnly: attnOnly,
            positionalEmbedding: pos, causal: dirName == "causal",
            eps: Float((o["eps"] as? NSNumber)?.doubleValue ?? 1e-5),
            useAttnScale: bool("use_attn_scale", true))
        try cfg.validate(file: file)
        return cfg
    }

    public func validate(file: String) throws {
        for (k, v) in [("n_layers", nLayers), ("d_model", dModel), ("n_heads", nHeads), ("d_head", dHead),
                       ("d_vocab", dVocab), ("d_vocab_out", dVocabOut), ("n_ctx", nCtx)] where v <= 0 {
            throw ModelError("\(file): '\(k)' must be positive, got \(v)")
        }
        if hasMLP && (dMLP ?? 0) <= 0 { throw ModelError("\(file): 'd_mlp' must be positive for a model with MLPs") }
        // d_model == n_heads·d_head is not required here: TransformerLens keeps per-head
        // projections, and tracr models (d_model 41, one head of 12) violate it. The
        // Hugging Face importer, whose fused qkv does need it, checks it there.
    }
}
