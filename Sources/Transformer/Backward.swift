import Kernels

/// The backward pass: gradients of a scalar loss with respect to every
/// receiver input of the attribution graph (each head's `hook_q_input`,
/// `hook_k_input`, `hook_v_input`, each `hook_mlp_in`, the final residual
/// stream) and to the token embedding (`hook_embed`). No weight gradients.
///
/// The forward is the ordinary hooked `forward` with an `ActivationTape`
/// visitor that keeps what the backward needs; the backward composes the
/// components' backward functions (`Components.swift`, each beside its
/// forward) in reverse order.

/// A group of senders whose output a run replaces by a constant (EAP-IG over
/// activations): no gradient flows back through a replaced group.
public enum SenderGroup: Hashable, Sendable {
    case tokenEmbedding
    case heads(layer: Int)
    case mlp(layer: Int)
}

/// Records, during one forward pass, the activations the backward needs
/// (`hook_resid_pre`, q/k/v, patterns, `hook_mlp_in`, `hook_pre`, the final
/// residual), optionally every sender's output (`hook_embed`, per-head
/// `hook_result`, `hook_mlp_out`), and replaces the outputs of `replaced`
/// groups by given constants.
public struct ActivationTape: HookVisitor {
    public let nLayers: Int
    public let recordTape: Bool
    public let recordSenders: Bool
    /// Constant outputs: `hook_embed` `[B·T, d]`, `hook_result` `[B·T, H, d]`, `hook_mlp_out` `[B·T, d]`.
    public var replacements: [SenderGroup: [Float]]
    public private(set) var values: [HookPoint: [Float]] = [:]

    public init(nLayers: Int, recordTape: Bool = true, recordSenders: Bool = false, replacements: [SenderGroup: [Float]] = [:]) {
        self.nLayers = nLayers; self.recordTape = recordTape; self.recordSenders = recordSenders; self.replacements = replacements
    }

    static func group(of hook: HookPoint) -> SenderGroup? {
        switch hook {
        case .embed: return .tokenEmbedding
        case .result(let l): return .heads(layer: l)
        case .mlpOut(let l): return .mlp(layer: l)
        default: return nil
        }
    }

    public func wants(_ hook: HookPoint) -> Bool {
        if let g = ActivationTape.group(of: hook) { return recordSenders || replacements[g] != nil }
        guard recordTape else { return false }
        switch hook {
        case .residPre, .qkv, .pattern, .mlpIn, .mlpPre: return true
        case .residPost(let l): return l == nLayers - 1
        default: return false
        }
    }

    public mutating func visit(_ hook: HookPoint, shape: [Int], _ value: UnsafeMutableBufferPointer<Float>) {
        if let g = ActivationTape.group(of: hook), let r = replacements[g] {
            _ = r.withUnsafeBufferPointer { value.update(fromContentsOf: $0) }
        }
        values[hook] = Array(value)
    }

    /// The recorded value of `hook` (empty when not recorded).
    public subscript(_ hook: HookPoint) -> [Float] { values[hook] ?? [] }
}

/// Gradients of the loss at every receiver input and the token embedding.
/// Each receiver's gradient is one contiguous `[B·T, d]` block.
public struct ReceiverGradients: Sendable {
    public let rows: Int, d: Int, nLayers: Int, nHeads: Int, hasMLP: Bool
    /// ∂L/∂hook_embed, `[B·T, d]`.
    public var embed: [Float]
    /// Per layer `[3, H, B·T, d]`: kind (q, k, v), head, row, dim.
    public var qkvInput: [[Float]]
    /// Per layer `[B·T, d]` (empty arrays for attention-only models).
    public var mlpIn: [[Float]]
    /// The final residual stream (before ln_final), `[B·T, d]`.
    public var final: [Float]

    public init(rows: Int, d: Int, nLayers: Int, nHeads: Int, hasMLP: Bool, embed: [Float], qkvInput: [[Float]],
                mlpIn: [[Float]], final: [Float]) {
        self.rows = rows; self.d = d; self.nLayers = nLayers; self.nHeads = nHeads; self.hasMLP = hasMLP
        self.embed = embed; self.qkvInput = qkvInput; self.mlpIn = mlpIn; self.final = final
    }

    /// All zeros (the start of a sum over runs).
    public static func zeros(rows: Int, config c: ModelConfig) -> ReceiverGradients {
        let n = rows * c.dModel
        return ReceiverGradients(rows: rows, d: c.dModel, nLayers: c.nLayers, nHeads: c.nHeads, hasMLP: c.hasMLP,
                                 embed: [Float](repeating: 0, count: n),
                                 qkvInput: Array(repeating: [Float](repeating: 0, count: 3 * c.nHeads * n), count: c.nLayers),
                                 mlpIn: Array(repeating: [Float](repeating: 0, count: c.hasMLP ? n : 0), count: c.nLayers),
                                 final: [Float](repeating: 0, count: n))
    }

    /// Offset of head h's `kind` input block in `qkvInput[layer]`.
    public func headOffset(_ h: Int, _ kind: QKV) -> Int { (kind.rawValue * nHeads + h) * rows * d }

    /// `self += other` (summing over integration steps or runs).
    public mutating func add(_ o: ReceiverGradients) {
        func acc(_ a: inout [Float], _ b: [Float]) { if !a.isEmpty { addInPlace(&a, b, count: a.count) } }
        acc(&embed, o.embed); acc(&final, o.final)
        for l in 0..<nLayers { acc(&qkvInput[l], o.qkvInput[l]); if hasMLP { acc(&mlpIn[l], o.mlpIn[l]) } }
    }
}

extension HookedTransformer {
    /// Throws for model features the backward pass does not differentiate yet.
    public func checkBackwardSupport() throws {
        let c = config
        var missing: [String] = []
        if c.qkNorm { missing.append("q/k norms") }
        if c.attnSoftcap != nil { missing.append("attention soft-capping") }
        if c.finalSoftcap != nil { missing.append("final logit soft-capping") }
        if c.postAttentionNorm || c.postMLPNorm { missing.append("post-attention/post-MLP norms") }
        if !missing.isEmpty {
            throw ModelError("\(origin): gradients are not supported for models with \(missing.joined(separator: ", "))")
        }
    }

    /// The backward pass from `dLogits` (`[unembedRows.count, d_vocab_out]`,
    /// the loss's gradient at the logits the forward unembedded) through the
    /// activations `tape` recorded for `B` sequences of length `T`. Groups in
    /// `frozen` were replaced by constants in that forward: nothing flows
    /// back through them, so their own receivers get zero gradient.
    public func backward(tape: ActivationTape, batch B: Int, seqLen T: Int, unembedRows: [Int], dLogits: [Float],
                         frozen: Set<SenderGroup> = []) -> ReceiverGradients {
        let c = config, BT = B * T, d = c.dModel, H = c.nHeads, hd = H * c.dHead, L = c.nLayers
        var grads = ReceiverGradients(rows: BT, d: d, nLayers: L, nHeads: H, hasMLP: c.hasMLP,
                                      embed: [], qkvInput: Array(repeating: [], count: L),
                                      mlpIn: Array(repeating: [], count: L), final: [])
        // Final residual: unembedding, then ln_final, only the unembedded rows carry gradient.
        var dNorm = [Float](repeating: 0, count: BT * d)
        var picked = [Float](repeating: 0, count: unembedRows.count * d)
        dLogits.withUnsafeBufferPointer { g in
            unembedBackward(g.baseAddress!, rows: unembedRows.count, dNormalized: &picked)
        }
        for (i, r) in unembedRows.enumerated() {
            for j in 0..<d { dNorm[r * d + j] += picked[i * d + j] }
        }
        var dResid = [Float](repeating: 0, count: BT * d)
        let residFinal = tape[.residPost(L - 1)]
        normalizeBackward(.final, residFinal, rows: BT, dy: dNorm, dx: &dResid)
        grads.final = dResid

        var dz = [Float](repeating: 0, count: BT * hd)
        var dq = [Float](repeating: 0, count: BT * hd), dk = dq, dv = dq
        for l in stride(from: L - 1, through: 0, by: -1) {
            var dMLPIn = [Float](repeating: 0, count: c.hasMLP ? BT * d : 0)
            if c.hasMLP && !frozen.contains(.mlp(layer: l)) {
                mlpBackward(layer: l, tape[.mlpIn(l)], pre: tape[.mlpPre(l)], rows: BT, dOut: dResid, dx: &dMLPIn)
            }
            if c.hasMLP { grads.mlpIn[l] = dMLPIn }
            // Sequential blocks: the attention output joins resid_mid, which the MLP read.
            if c.hasMLP && !c.parallelResidual { addInPlace(&dResid, dMLPIn, count: BT * d) }
            var dInputs = [Float](repeating: 0, count: 3 * H * BT * d)
            if !frozen.contains(.heads(layer: l)) {
                attentionOutputBackward(layer: l, dAttnOut: dResid, rows: BT, dz: &dz)
                let q = tape[.qkv(l, .q)], k = tape[.qkv(l, .k)], v = tape[.qkv(l, .v)]
                attentionCoreBackward(batch: B, seqLen: T, q: q, k: k, v: v, pattern: tape[.pattern(l)], dz: dz,
                                      dq: &dq, dk: &dk, dv: &dv)
                let dqkv = [dq, dk, dv]
                let residPre = tape[.residPre(l)]
                // Every head's q, k and v input: 3H independent (projection, ln1)
                // backwards, in two fixed halves side by side, BLAS single-threaded.
                let items = Parallel.split(3 * H, parts: 2)
                let threads = BLASThreads.current
                BLASThreads.set(1)
                dInputs.withUnsafeMutableBufferPointer { out in
                    let out = out.baseAddress!
                    Parallel.forEach(items.count) { part in
                        let column = UnsafeMutablePointer<Float>.allocate(capacity: BT * c.dHead)
                        let headNorm = UnsafeMutablePointer<Float>.allocate(capacity: BT * d)
                        defer { column.deallocate(); headNorm.deallocate() }
                        for item in items[part] {
                            let kind = QKV(rawValue: item / H)!, h = item % H
                            // Head h's slice of d(q|k|v), made contiguous for the rotary backward.
                            dqkv[kind.rawValue].withUnsafeBufferPointer { g in
                                for r in 0..<BT { (column + r * c.dHead).update(from: g.baseAddress! + r * hd + h * c.dHead, count: c.dHead) }
                            }
                            projectHeadBackward(layer: l, head: h, kind: kind, dOut: column, ldOut: c.dHead, rows: BT,
                                                seqLen: T, into: headNorm)
                            normalizeBackward(.ln1(l), residPre, rows: BT, dy: headNorm, dx: out + grads.headOffset(h, kind))
                        }
                    }
                }
                BLASThreads.set(threads)
                for i in 0..<(3 * H) {
                    dInputs.withUnsafeBufferPointer { addInPlace(&dResid, $0.baseAddress! + i * BT * d, count: BT * d) }
                }
            }
            grads.qkvInput[l] = dInputs
            if c.hasMLP && c.parallelResidual { addInPlace(&dResid, dMLPIn, count: BT * d) }
        }
        grads.embed = dResid
        return grads
    }
}
