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

    /// Reads and parses a TL `config.json` (see `parse`).
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
            guard let v = Normalization(rawValue: n) else { throw ModelError("\(file): unsupported normalization_type '\(n)'") }
            norm = v
        case .none: norm = nil
        }
        let posName = try fields.string("positional_embedding_type", default: "standard")
        guard let pos = PositionalEmbedding(rawValue: posName) else {
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

/// The fields of a TL config object, each read with its JSON type: a value of
/// the wrong type is refused naming the key, never replaced by the default.
/// Tracks which keys were read, so unknown ones can be refused.
struct ConfigFields {
    let object: [String: Any]
    let file: String
    private var seen: Set<String> = []

    init(object: [String: Any], file: String) { self.object = object; self.file = file }

    mutating func ignore(_ keys: [String]) { seen.formUnion(keys) }

    private mutating func value(_ k: String) -> Any? {
        seen.insert(k)
        guard let v = object[k], !(v is NSNull) else { return nil }
        return v
    }

    private func isNull(_ k: String) -> Bool { object[k] is NSNull }

    private func wrongType(_ k: String, _ want: String) -> ModelError {
        ModelError("\(file): '\(k)' must be \(want), got \(ConfigFields.describe(object[k]))")
    }

    static func describe(_ v: Any?) -> String {
        guard let v else { return "nothing" }
        if v is NSNull { return "null" }
        if let n = v as? NSNumber {
            return isBoolean(n) ? (n.boolValue ? "true" : "false") : "\(n)"
        }
        if let s = v as? String { return "\"\(s)\"" }
        if v is [Any] { return "a list" }
        if v is [String: Any] { return "an object" }
        return "\(v)"
    }

    /// JSONSerialization returns true/false as NSNumbers of a distinct class
    /// (which also bridge to Int): tell them apart by that class.
    private static let booleanClass = type(of: NSNumber(value: true))
    static func isBoolean(_ n: NSNumber) -> Bool { type(of: n) == booleanClass }

    /// JSON true/false only (not 0/1, not "true").
    private static func jsonBool(_ v: Any) -> Bool? {
        guard let n = v as? NSNumber, isBoolean(n) else { return nil }
        return n.boolValue
    }

    /// A JSON number that is not a boolean.
    private static func jsonNumber(_ v: Any) -> NSNumber? {
        guard let n = v as? NSNumber, !isBoolean(n) else { return nil }
        return n
    }

    mutating func bool(_ k: String, default d: Bool) throws -> Bool {
        guard let v = value(k) else {
            if isNull(k) { throw wrongType(k, "true or false") }
            return d
        }
        guard let b = ConfigFields.jsonBool(v) else { throw wrongType(k, "true or false") }
        return b
    }

    /// An exact integer; required.
    mutating func int(_ k: String) throws -> Int {
        guard object[k] != nil else { throw ModelError("\(file): missing integer field '\(k)'") }
        guard let i = try optionalInt(k) else { throw wrongType(k, "an integer") }
        return i
    }

    mutating func int(_ k: String, default d: Int) throws -> Int {
        if object[k] == nil { seen.insert(k); return d }
        return try int(k)
    }

    /// An exact integer, or nil when absent or null.
    mutating func optionalInt(_ k: String) throws -> Int? {
        guard let v = value(k) else { return nil }
        // `as? Int` only succeeds for exact integers (not 4.5, not 1e300).
        guard ConfigFields.jsonNumber(v) != nil, let i = v as? Int else { throw wrongType(k, "an integer") }
        return i
    }

    mutating func optionalNumber(_ k: String) throws -> Double? {
        guard let v = value(k) else { return nil }
        guard let n = ConfigFields.jsonNumber(v) else { throw wrongType(k, "a number") }
        return n.doubleValue
    }

    mutating func number(_ k: String, default d: Double) throws -> Double {
        if isNull(k) { seen.insert(k); throw wrongType(k, "a number") }
        return try optionalNumber(k) ?? d
    }

    mutating func optionalString(_ k: String) throws -> String? {
        guard let v = value(k) else { return nil }
        guard let s = v as? String else { throw wrongType(k, "a string") }
        return s
    }

    mutating func string(_ k: String, default d: String) throws -> String {
        if isNull(k) { seen.insert(k); throw wrongType(k, "a string") }
        return try optionalString(k) ?? d
    }

    /// A string or an explicit null (nil); `d` when absent.
    mutating func nullableString(_ k: String, default d: String) throws -> String? {
        if object[k] == nil { seen.insert(k); return d }
        return try optionalString(k)
    }

    mutating func optionalAny(_ k: String) throws -> Any? { value(k) }

    func refuseUnknown() throws {
        let unknown = object.keys.filter { !seen.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw ModelError("\(file): unknown config field\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", ")) (not a TransformerLens HookedTransformerConfig field this runtime understands)")
        }
    }
}
