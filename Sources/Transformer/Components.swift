import Foundation
import Kernels

/// Where a norm sits; picks its weights and width.
public enum NormSite: Sendable, Equatable {
    case ln1(Int), ln2(Int), postAttention(Int), postMLP(Int), final
}

/// The model's components, one implementation each, every one callable on any
/// subset of rows: the full forward pass, the incremental evaluator (and a
/// backward pass) compose these. Row r of a batch of sequences of length T is
/// position r % T unless a caller passes positions.
extension HookedTransformer {
    // MARK: embedding

    /// `out[B·T, d] = W_E[tokens]` (times the model's embedding scale): `hook_embed`.
    public func embedTokens(_ tokens: TokenBatch, into out: UnsafeMutablePointer<Float>) {
        let d = config.dModel
        for (i, t) in tokens.ids.enumerated() {
            (out + i * d).update(from: weights.wE.pointer + Int(t) * d, count: d)
        }
        if let s = config.embeddingScale {
            for i in 0..<(tokens.ids.count * d) { out[i] *= s }
        }
    }

    /// `out[B·T, d]`: row (b, t) gets `W_pos[perm?[t] ?? t]` for every b
    /// (`hook_pos_embed`); zeros for a model without a position table.
    public func positionalEmbedding(rows: Int, seqLen: Int, permutation: [Int]? = nil, into out: UnsafeMutablePointer<Float>) {
        let d = config.dModel
        guard let wPos = weights.wPos else { out.update(repeating: 0, count: rows * seqLen * d); return }
        for b in 0..<rows {
            for t in 0..<seqLen {
                let p = permutation?[t] ?? t
                (out + (b * seqLen + t) * d).update(from: wPos.pointer + p * d, count: d)
            }
        }
    }

    /// The residual stream entering block 0 (`blocks.0.hook_resid_pre`): token
    /// embedding plus, for standard positional embeddings, the position rows.
    /// `pos` receives `hook_pos_embed` when given.
    public func embedding(_ tokens: TokenBatch, into out: UnsafeMutablePointer<Float>,
                          observeToken: (UnsafeMutablePointer<Float>) -> Void = { _ in },
                          pos: UnsafeMutablePointer<Float>? = nil, observePos: (UnsafeMutablePointer<Float>) -> Void = { _ in }) {
        let count = tokens.rows * tokens.seqLen * config.dModel
        embedTokens(tokens, into: out)
        observeToken(out)
        guard config.hasPositionTable else { return }
        let p = pos ?? UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { if pos == nil { p.deallocate() } }
        positionalEmbedding(rows: tokens.rows, seqLen: tokens.seqLen, into: p)
        observePos(p)
        if config.positionalEmbedding == .standard { addInPlace(out, p, count: count) }
    }

    // MARK: norms

    func normWeights(_ site: NormSite) -> NormWeights? {
        switch site {
        case .ln1(let l): return weights.blocks[l].ln1
        case .ln2(let l): return weights.blocks[l].ln2
        case .postAttention(let l): return weights.blocks[l].postAttentionNorm
        case .postMLP(let l): return weights.blocks[l].postMLPNorm
        case .final: return weights.lnFinal
        }
    }

    /// Whether the norm at `site` exists (else it is the identity).
    @inline(__always)
    public func hasNorm(_ site: NormSite) -> Bool {
        guard config.normalization != nil else { return false }
        switch site {
        case .ln1, .ln2: return config.preNorms
        case .postAttention: return config.postAttentionNorm
        case .postMLP: return config.postMLPNorm
        case .final: return true
        }
    }

    /// Per-row scales of the norm at `site` (TL's `hook_scale`).
    public func normScales(_ site: NormSite, _ x: UnsafePointer<Float>, rows: Int, width: Int, into s: UnsafeMutablePointer<Float>) {
        if config.normalization == .rms {
            rmsNormScales(x, rows: rows, width: width, eps: config.eps, output: s)
        } else {
            layerNormScales(x, rows: rows, width: width, eps: config.eps, output: s)
        }
    }

    /// The norm at `site` of `rows` contiguous rows (LayerNorm, LNPre or
    /// RMSNorm; Gemma's `1 + w`), dividing by `scales` when given. Copies
    /// when the site has no norm. `x` and `out` may alias.
    public func normalize(_ site: NormSite, _ x: UnsafePointer<Float>, rows: Int, width: Int? = nil,
                          scales: UnsafePointer<Float>? = nil, into out: UnsafeMutablePointer<Float>) {
        let w = width ?? config.dModel
        guard hasNorm(site) else {
            if UnsafePointer(out) != x { out.update(from: x, count: rows * w) }
            return
        }
        let nw = normWeights(site)
        switch config.normalization {
        case .rms:
            rmsNorm(x, rows: rows, width: w, weight: nw?.w?.pointer, weightOffset: config.normWeightOffset,
                    eps: config.eps, scales: scales, output: out)
        default:
            if let s = scales {
                layerNorm(x, rows: rows, width: w, scales: s, weight: nw?.w?.pointer, bias: nw?.b?.pointer, eps: config.eps, output: out)
            } else {
                layerNorm(x, rows: rows, width: w, weight: nw?.w?.pointer, bias: nw?.b?.pointer, eps: config.eps, output: out)
            }
        }
    }

    /// Backward of `normalize` (and of the identity where the site has no
    /// norm): `dx (+)= ∂norm/∂x · dy` for `rows` rows of `x` (row stride `ldx`,
    /// so a head can differentiate through a shared residual row); `dy`, `dx` contiguous.
    public func normalizeBackward(_ site: NormSite, _ x: UnsafePointer<Float>, ldx: Int? = nil, rows: Int, width: Int? = nil,
                                  dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        let w = width ?? config.dModel
        guard hasNorm(site) else {
            if accumulate { addInPlace(dx, dy, count: rows * w) } else { dx.update(from: dy, count: rows * w) }
            return
        }
        let nw = normWeights(site)
        if config.normalization == .rms {
            rmsNormBackward(x, ldx: ldx, rows: rows, width: w, weight: nw?.w?.pointer, weightOffset: config.normWeightOffset,
                            eps: config.eps, dy: dy, dx: dx, accumulate: accumulate)
        } else {
            layerNormBackward(x, ldx: ldx, rows: rows, width: w, weight: nw?.w?.pointer, eps: config.eps,
                              dy: dy, dx: dx, accumulate: accumulate)
        }
    }

    /// ln1 of one head's input rows (row stride `stride`) into contiguous
    /// `out[rows, d]`; for shortformer models the positional embedding is added
    /// to the normalised query and key inputs, as TransformerLens does.
    public func normalizeHeadInput(layer: Int, kind: QKV, _ x: UnsafePointer<Float>, rows: Int, stride: Int,
                                   seqLen: Int, out: UnsafeMutablePointer<Float>, positions: [Int]? = nil) {
        let d = config.dModel
        if stride == d {
            normalize(.ln1(layer), x, rows: rows, into: out)
        } else {
            for r in 0..<rows { normalize(.ln1(layer), x + r * stride, rows: 1, into: out + r * d) }
        }
        if config.positionalEmbedding == .shortformer && kind != .v, let wPos = weights.wPos {
            // Row r is position r % seqLen unless the caller passes the rows' positions.
            for r in 0..<rows { addInPlace(out + r * d, wPos.pointer + (positions?[r] ?? r % seqLen) * d, count: d) }
        }
    }

    // MARK: attention

    /// The key/value head query head `h` reads.
    @inline(__always) public func kvHead(_ h: Int) -> Int { h / config.queriesPerKVHead }

    /// `out[rows, d_head] (row stride ldOut)`: head h's q, k or v from its
    /// normalised input (row stride `ldx`): `x·W_X[h] + b_X[h]`, then (q, k)
    /// OLMo 2's q/k norm over the whole projection and the rotary embedding
    /// at each row's position (`position(r)`, default r % seqLen).
    public func projectHead(layer l: Int, head h: Int, kind: QKV, normalized x: UnsafePointer<Float>, ldx: Int? = nil,
                            rows: Int, seqLen: Int, positions: [Int]? = nil,
                            out: UnsafeMutablePointer<Float>, ldOut: Int) {
        let dh = config.dHead
        let a = weights.blocks[l].attn
        let src = kind == .q ? h : kvHead(h)
        if config.qkNorm && kind != .v {
            // The norm spans every head's projection: compute them all, normalise, keep ours.
            let width = (kind == .q ? config.nHeads : config.nKVHeads) * dh
            let all = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
            defer { all.deallocate() }
            normalizedProjection(layer: l, kind: kind, normalized: x, ldx: ldx, rows: rows, into: all)
            for r in 0..<rows { (out + r * ldOut).update(from: all + r * width + src * dh, count: dh) }
        } else {
            projectOne(a, kind, src, x, ldx: ldx, rows: rows, out: out, ldOut: ldOut)
        }
        if kind != .v { rotate(out, rows: rows, ld: ldOut, seqLen: seqLen, positions: positions) }
    }

    /// OLMo 2: the q (all query heads) or k (all key/value heads) projection of
    /// one input, RMS-normalised over its whole width, into `out[rows, heads·d_head]`.
    public func normalizedProjection(layer l: Int, kind: QKV, normalized x: UnsafePointer<Float>, ldx: Int? = nil,
                                     rows: Int, into out: UnsafeMutablePointer<Float>) {
        let c = config, a = weights.blocks[l].attn
        let heads = kind == .q ? c.nHeads : c.nKVHeads, width = heads * c.dHead
        for g in 0..<heads { projectOne(a, kind, g, x, ldx: ldx, rows: rows, out: out + g * c.dHead, ldOut: width) }
        let w = kind == .q ? a.qNorm : a.kNorm
        rmsNorm(out, rows: rows, width: width, weight: w?.pointer, weightOffset: c.normWeightOffset, eps: c.eps, output: out)
    }

    /// The rotary embedding of one head's q or k rows (row stride `ld`) in
    /// place, at positions `positions[r]` (default r % seqLen); no-op without rotary.
    public func rotate(_ x: UnsafeMutablePointer<Float>, rows: Int, ld: Int, seqLen: Int, positions: [Int]? = nil) {
        guard let rot = config.rotary else { return }
        let t = rotaryTables(positions: seqLen)
        rot.apply(x, rows: rows, ld: ld, cos: t.cos, sin: t.sin) { positions?[$0] ?? $0 % seqLen }
    }

    /// Backward of `projectHead` (models without q/k norm): from `dOut[rows,
    /// d_head]` (row stride ldOut; q and k are rotated back in place) writes
    /// the gradient of the normalised input, `dNormalized[rows, d] = dOut·W_X[h]ᵀ`.
    /// With grouped-query attention each query head differentiates through its
    /// own copy of the key/value head's projection, as the split forward computes it.
    public func projectHeadBackward(layer l: Int, head h: Int, kind: QKV, dOut: UnsafeMutablePointer<Float>, ldOut: Int,
                                    rows: Int, seqLen: Int, positions: [Int]? = nil, into dNormalized: UnsafeMutablePointer<Float>) {
        if kind != .v, let rot = config.rotary {
            let t = rotaryTables(positions: seqLen)
            rot.applyBackward(dOut, rows: rows, ld: ldOut, cos: t.cos, sin: t.sin) { positions?[$0] ?? $0 % seqLen }
        }
        let src = kind == .q ? h : kvHead(h)
        weights.blocks[l].attn.projection[kind.rawValue].head(src)
            .applyTransposed(dOut, rows: rows, outputs: config.dHead, inputs: config.dModel, lddy: ldOut, into: dNormalized)
    }

    /// Backward of the attention core (`ForwardPass.attentionPatternsAndZ`:
    /// scores = scale·q·kᵀ, masked softmax, z = pattern·v) for `B` sequences of
    /// length `T`; q, k, v, z and their gradients are `[B·T, H·d_head]`, the
    /// pattern `[B, H, T, T]`. Models with soft-capped scores are refused by
    /// `checkBackwardSupport`.
    public func attentionCoreBackward(batch B: Int, seqLen T: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                                      v: UnsafePointer<Float>, pattern: UnsafePointer<Float>, dz: UnsafePointer<Float>,
                                      dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>) {
        let H = config.nHeads, dh = config.dHead, hd = H * dh
        let scale = config.attentionScale
        // Many small products (T x T x d_head): two fixed halves of the
        // (sequence, head) blocks run side by side with single-threaded BLAS
        // (two BLAS threads on blocks this small mostly wait on each other).
        let blocks = Parallel.split(B * H, parts: 2)
        let threads = BLASThreads.current
        BLASThreads.set(1)
        defer { BLASThreads.set(threads) }
        Parallel.forEach(blocks.count) { part in
            let dp = UnsafeMutablePointer<Float>.allocate(capacity: T * T)
            defer { dp.deallocate() }
            for bh in blocks[part] {
                let b = bh / H, h = bh % H
                let off = b * T * hd + h * dh
                let p = pattern + (b * H + h) * T * T
                // dP = dz·vᵀ, dv = Pᵀ·dz
                sgemm(T, T, dh, a: dz + off, lda: hd, b: v + off, ldb: hd, transposeB: true, c: dp)
                sgemm(T, dh, T, a: p, transposeA: true, b: dz + off, ldb: hd, c: dv + off, ldc: hd)
                softmaxRowsBackward(p, dp, queries: T, keys: T)
                // dq = scale·dS·k, dk = scale·dSᵀ·q
                sgemm(T, dh, T, a: dp, b: k + off, ldb: hd, c: dq + off, ldc: hd, alpha: scale)
                sgemm(T, dh, T, a: dp, transposeA: true, b: q + off, ldb: hd, c: dk + off, ldc: hd, alpha: scale)
            }
        }
    }

    @inline(__always)
    private func projectOne(_ a: AttentionWeights, _ kind: QKV, _ src: Int, _ x: UnsafePointer<Float>, ldx: Int?,
                            rows: Int, out: UnsafeMutablePointer<Float>, ldOut: Int) {
        let d = config.dModel, dh = config.dHead
        if let b = a.bias[kind.rawValue] {
            let bias = b.head(src)
            for r in 0..<rows { (out + r * ldOut).update(from: bias, count: dh) }
        } else {
            for r in 0..<rows { (out + r * ldOut).update(repeating: 0, count: dh) }
        }
        a.projection[kind.rawValue].head(src).apply(x, rows: rows, inputs: d, outputs: dh, ldx: ldx, into: out, ldy: ldOut, beta: 1)
    }

    /// `out[rows, d] (row stride ldOut) = z[head] · W_O[head]` (no bias: TL's
    /// hook_result before any post-attention norm).
    public func headResult(layer: Int, head: Int, z: UnsafePointer<Float>, ldz: Int, rows: Int,
                           out: UnsafeMutablePointer<Float>, ldOut: Int, accumulate: Bool = false) {
        let d = config.dModel, dh = config.dHead
        weights.blocks[layer].attn.wO.rows(from: head * dh)
            .apply(z, rows: rows, inputs: dh, outputs: d, ldx: ldz, into: out, ldy: ldOut, beta: accumulate ? 1 : 0)
    }

    /// Backward of the attention output `Σ_h z_h·W_O[h] + b_O`: every head's
    /// `dz[rows, H·d_head] = dAttnOut·W_Oᵀ` in one GEMM.
    public func attentionOutputBackward(layer: Int, dAttnOut: UnsafePointer<Float>, rows: Int, dz: UnsafeMutablePointer<Float>) {
        weights.blocks[layer].attn.wO.applyTransposed(dAttnOut, rows: rows, outputs: config.dModel,
                                                      inputs: config.nHeads * config.dHead, into: dz)
    }

    /// A post-attention RMSNorm (Gemma 2, OLMo 2) applied to per-head results
    /// `[rows, H, d]`: every head's result is scaled by its row's shared
    /// norm scale and the norm weight, `r_h · (w + offset) / rms(Σ_h r_h + b_O)`,
    /// so the heads' shares sum to the normalised attention output and each
    /// head stays a separate sender of the residual stream.
    public func shareAttentionNorm(layer l: Int, results: UnsafeMutablePointer<Float>, rows: Int) {
        let c = config, d = c.dModel, H = c.nHeads
        let w = weights.blocks[l].postAttentionNorm?.w?.pointer
        let bO = weights.blocks[l].attn.bO?.pointer
        var sum = [Float](repeating: 0, count: d)
        for r in 0..<rows {
            let row = results + r * H * d
            for i in 0..<d { sum[i] = bO?[i] ?? 0 }
            for h in 0..<H { addInPlace(&sum, row + h * d, count: d) }
            var scale: Float = 0
            sum.withUnsafeBufferPointer { rmsNormScales($0.baseAddress!, rows: 1, width: d, eps: c.eps, output: &scale) }
            let inv = 1 / scale
            for h in 0..<H {
                let x = row + h * d
                for i in 0..<d { x[i] = (x[i] * inv) * ((w?[i] ?? 1) + (w == nil ? 0 : c.normWeightOffset)) }
            }
        }
    }

    // MARK: MLP

    /// `out[rows, d]`: the MLP block on its input rows: ln2, the MLP, the
    /// post-MLP norm. `hidden` needs rows·d_mlp floats, `normalized` rows·d floats.
    public func mlp(layer: Int, _ x: UnsafePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>,
                    normalized: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>,
                    observe: (HookPoint, UnsafeMutablePointer<Float>) -> Void = { _, _ in }) {
        normalize(.ln2(layer), x, rows: rows, into: normalized)
        mlpAfterNorm(layer: layer, normalized: normalized, rows: rows, out: out, hidden: hidden, observe: observe)
    }

    /// The MLP from its ln2 output: `act(x·W_in + b_in)` (gated:
    /// `act(x·W_gate) ⊙ (x·W_in)`), `·W_out + b_out`, then the post-MLP norm.
    /// `observe` sees `hook_pre` (the activation's input) and `hook_post` in
    /// `hidden` (rows·d_mlp floats) and may rewrite them.
    public func mlpAfterNorm(layer: Int, normalized: UnsafePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>,
                             hidden: UnsafeMutablePointer<Float>,
                             observe: (HookPoint, UnsafeMutablePointer<Float>) -> Void = { _, _ in }) {
        let d = config.dModel, m = config.dMLP ?? 0
        let w = weights.blocks[layer].mlp!
        func biasOrZero(_ b: WeightTensor?, _ y: UnsafeMutablePointer<Float>, width: Int) {
            if let b { broadcastRows(y, row: b.pointer, rows: rows, width: width) } else { y.update(repeating: 0, count: rows * width) }
        }
        if let gate = w.wGate {
            let linear = UnsafeMutablePointer<Float>.allocate(capacity: max(rows * m, 1))
            defer { linear.deallocate() }
            gate.apply(normalized, rows: rows, inputs: d, outputs: m, into: hidden)
            biasOrZero(w.bIn, linear, width: m)
            w.wIn.apply(normalized, rows: rows, inputs: d, outputs: m, into: linear, beta: 1)
            observe(.mlpPre(layer), hidden)
            config.activation.apply(hidden, count: rows * m)
            for i in 0..<(rows * m) { hidden[i] *= linear[i] }
        } else {
            biasOrZero(w.bIn, hidden, width: m)
            w.wIn.apply(normalized, rows: rows, inputs: d, outputs: m, into: hidden, beta: 1)
            observe(.mlpPre(layer), hidden)
            config.activation.apply(hidden, count: rows * m)
        }
        observe(.mlpPost(layer), hidden)
        biasOrZero(w.bOut, out, width: d)
        w.wOut.apply(hidden, rows: rows, inputs: m, outputs: d, into: out, beta: 1)
        if hasNorm(.postMLP(layer)) { normalize(.postMLP(layer), out, rows: rows, into: out) }
    }

    /// Backward of `mlp` (models without a post-MLP norm): `dx (+)=` the
    /// gradient of the block's input `x` given `dOut`, from the tape's `hook_pre`
    /// (`pre`); ln2 (and, gated, the linear branch) are recomputed from `x`.
    public func mlpBackward(layer: Int, _ x: UnsafePointer<Float>, pre: UnsafePointer<Float>, rows: Int,
                            dOut: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        let d = config.dModel, m = config.dMLP ?? 0
        let w = weights.blocks[layer].mlp!
        let dHidden = UnsafeMutablePointer<Float>.allocate(capacity: max(rows * m, 1))
        let dNorm = UnsafeMutablePointer<Float>.allocate(capacity: max(rows * d, 1))
        defer { dHidden.deallocate(); dNorm.deallocate() }
        w.wOut.applyTransposed(dOut, rows: rows, outputs: d, inputs: m, into: dHidden)
        if let gate = w.wGate {
            // hidden = act(pre) ⊙ linear, linear = norm(x)·W_in + b_in.
            let linear = UnsafeMutablePointer<Float>.allocate(capacity: max(rows * m, 1))
            let act = UnsafeMutablePointer<Float>.allocate(capacity: max(rows * m, 1))
            defer { linear.deallocate(); act.deallocate() }
            normalize(.ln2(layer), x, rows: rows, into: dNorm)
            if let b = w.bIn { broadcastRows(linear, row: b.pointer, rows: rows, width: m) } else { linear.update(repeating: 0, count: rows * m) }
            w.wIn.apply(dNorm, rows: rows, inputs: d, outputs: m, into: linear, beta: 1)
            act.update(from: pre, count: rows * m)
            config.activation.apply(act, count: rows * m)
            for i in 0..<(rows * m) { let g = dHidden[i]; dHidden[i] = g * linear[i]; linear[i] = g * act[i] }
            config.activation.backward(pre: pre, grad: dHidden, count: rows * m)
            gate.applyTransposed(dHidden, rows: rows, outputs: m, inputs: d, into: dNorm)
            w.wIn.applyTransposed(linear, rows: rows, outputs: m, inputs: d, into: dNorm, beta: 1)
        } else {
            config.activation.backward(pre: pre, grad: dHidden, count: rows * m)
            w.wIn.applyTransposed(dHidden, rows: rows, outputs: m, inputs: d, into: dNorm)
        }
        normalizeBackward(.ln2(layer), x, rows: rows, dy: dNorm, dx: dx, accumulate: accumulate)
    }

    // MARK: unembedding

    /// Unembedding of already normalised rows: `logits = normalized·W_U + b_U`
    /// (soft-capped when the model caps its final logits).
    public func unembedNormalized(_ normalized: UnsafePointer<Float>, rows: Int, logits: UnsafeMutablePointer<Float>) {
        unembedNormalized(normalized, rows: rows, columns: 0..<config.dVocabOut, logits: logits)
    }

    /// The unembedding restricted to vocabulary `columns`: writes
    /// `logits[r, columns]` (row stride d_vocab_out). Independent column
    /// ranges can run concurrently.
    public func unembedNormalized(_ normalized: UnsafePointer<Float>, rows: Int, columns: Range<Int>,
                                  logits: UnsafeMutablePointer<Float>) {
        let d = config.dModel, v = config.dVocabOut, c0 = columns.lowerBound, n = columns.count
        guard n > 0 else { return }
        for r in 0..<rows {
            if let b = weights.bU { (logits + r * v + c0).update(from: b.pointer + c0, count: n) }
            else { (logits + r * v + c0).update(repeating: 0, count: n) }
        }
        let wU = weights.wU.columns(from: c0)
        if rows == 1 {
            wU.applyRow(normalized, inputs: d, outputs: n, into: logits + c0, beta: 1)
        } else {
            wU.apply(normalized, rows: rows, inputs: d, outputs: n, into: logits + c0, ldy: v, beta: 1)
        }
        if let cap = config.finalSoftcap {
            for r in 0..<rows { let p = logits + r * v + c0; for i in 0..<n { p[i] = cap * tanhf(p[i] / cap) } }
        }
    }
}

extension HookedTransformer {
    /// Backward of `unembedNormalized` (models without a final soft-cap):
    /// `dNormalized[rows, d] = dLogits·W_Uᵀ`.
    public func unembedBackward(_ dLogits: UnsafePointer<Float>, rows: Int, dNormalized: UnsafeMutablePointer<Float>) {
        weights.wU.applyTransposed(dLogits, rows: rows, outputs: config.dVocabOut, inputs: config.dModel, into: dNormalized)
    }
}
