import Kernels

extension HookedTransformer {
    /// The plain forward pass, hook for hook as TransformerLens 1.6.1 runs it
    /// with `use_attn_result`, `use_split_qkv_input` and `use_hook_mlp_in`.
    /// Returns logits `[B, T, d_vocab_out]`.
    ///
    /// Tensors a visitor does not ask for are not materialised: without split
    /// inputs the LayerNorm runs once per layer and all heads share it; without
    /// `hook_result` the head outputs are summed by one `[B·T, H·d_head]×[H·d_head, d]`
    /// GEMM; without `hook_mlp_in` the MLP reads the residual stream in place.
    /// Every value a visitor writes is what the rest of the pass computes from.
    ///
    /// `unembedRows` (rows b·T + t): unembed only those rows, returning
    /// `[unembedRows.count, d_vocab_out]` (empty: no unembedding at all), for
    /// callers that read a few positions' logits or none.
    public func forward<V: HookVisitor>(_ tokens: TokenBatch, hooks: inout V, unembedRows: [Int]? = nil) -> [Float] {
        let c = config
        let B = tokens.rows, T = tokens.seqLen, BT = B * T, d = c.dModel
        let ws = ForwardWorkspace()
        let pass = ForwardPass(model: self, batch: B, seq: T, workspace: ws)

        // Embeddings: the token embedding is built in `resid` itself.
        let resid = ws.buffer(BT * d)
        let pos = ws.buffer(BT * d)
        embedding(tokens, into: resid.base, observeToken: { _ in pass.visit(.embed, resid, &hooks) },
                  pos: pos.base, observePos: { _ in pass.visit(.posEmbed, pos, &hooks) })

        for l in 0..<c.nLayers {
            pass.visit(.residPre(l), resid, &hooks)
            pass.projectQKV(layer: l, resid: resid, pos: pos, &hooks)
            pass.attentionPatternsAndZ(layer: l, &hooks)
            let attnOut = pass.attentionOutput(layer: l, &hooks)
            if c.parallelResidual {
                // GPT-NeoX: the MLP reads the block input; both outputs join the residual.
                if c.hasMLP {
                    let mlpOut = pass.mlpBlock(layer: l, residMid: resid, &hooks)
                    addInPlace(attnOut.base, mlpOut.base, count: BT * d)
                }
                addInPlace(resid.base, attnOut.base, count: BT * d)
            } else {
                // resid_mid (or resid_post of an attention-only block) = resid_pre + attn_out, in place.
                addInPlace(resid.base, attnOut.base, count: BT * d)
                if c.hasMLP {
                    pass.visit(.residMid(l), resid, &hooks)
                    let mlpOut = pass.mlpBlock(layer: l, residMid: resid, &hooks)
                    addInPlace(resid.base, mlpOut.base, count: BT * d) // built from the unhooked resid_mid, as in TL
                }
            }
            pass.visit(.residPost(l), resid, &hooks)
        }

        let normalized = pass.normalize(resid, rows: BT, site: .final,
                                        scaleHook: .lnFinalScale, normalizedHook: .lnFinalNormalized, &hooks)
        if let rows = unembedRows {
            guard !rows.isEmpty else { return [] }
            let picked = ws.buffer(rows.count * d)
            for (i, r) in rows.enumerated() { (picked.base + i * d).update(from: normalized.base + r * d, count: d) }
            return [Float](unsafeUninitializedCapacity: rows.count * c.dVocabOut) { out, count in
                unembedNormalized(picked.base, rows: rows.count, logits: out.baseAddress!)
                count = rows.count * c.dVocabOut
            }
        }
        // Not zero-filled first: unembedNormalized writes every logit (b_U rows, then the GEMM adds).
        return [Float](unsafeUninitializedCapacity: BT * c.dVocabOut) { out, count in
            adviseHugePages(UnsafeMutableRawBufferPointer(out))
            unembedNormalized(normalized.base, rows: BT, logits: out.baseAddress!)
            count = BT * c.dVocabOut
        }
    }

    /// Forward without hooks.
    public func logits(_ tokens: TokenBatch, rows: [Int]? = nil) -> [Float] {
        var none = NoHooks()
        return forward(tokens, hooks: &none, unembedRows: rows)
    }
}

/// The per-call state of `forward`: sizes, weights and the buffers that carry
/// activations from one step to the next. Each method is one TL stage.
struct ForwardPass {
    let model: HookedTransformer
    let c: ModelConfig
    let B: Int, T: Int, BT: Int, d: Int, H: Int, dh: Int, hd: Int
    let ws: ForwardWorkspace
    /// hook_q / hook_k / hook_v of the current layer, `[B·T, H·d_head]`.
    let qkv: [UnsafeMutableBufferPointer<Float>]
    /// Attention pattern `[B, H, T, T]` (TL layout) and z `[B·T, H·d_head]`.
    let pattern: UnsafeMutableBufferPointer<Float>
    let z: UnsafeMutableBufferPointer<Float>
    /// LayerNorm output `[B·T, d]`, reused by ln1 (shared path), ln2 and ln_final.
    let normalized: UnsafeMutableBufferPointer<Float>

    init(model: HookedTransformer, batch: Int, seq: Int, workspace: ForwardWorkspace) {
        let cfg = model.config
        self.model = model; c = cfg; ws = workspace
        B = batch; T = seq; BT = batch * seq; d = cfg.dModel; H = cfg.nHeads; dh = cfg.dHead; hd = cfg.nHeads * cfg.dHead
        let bthd = batch * seq * cfg.nHeads * cfg.dHead
        qkv = (0..<3).map { _ in workspace.buffer(bthd) }
        pattern = workspace.buffer(batch * cfg.nHeads * seq * seq)
        z = workspace.buffer(bthd)
        normalized = workspace.buffer(batch * seq * cfg.dModel)
    }

    func visit<V: HookVisitor>(_ h: HookPoint, _ buf: UnsafeMutableBufferPointer<Float>, _ hooks: inout V) {
        guard hooks.wants(h) else { return }
        hooks.visit(h, shape: h.shape(c, batch: B, seq: T), buf)
    }

    /// LayerNorm of `rows` rows of `x` (into `normalized`, or a fresh buffer
    /// when `into` is given), firing `hook_scale` and `hook_normalized`. A
    /// rewritten scale is divided by, as in TL. Without normalisation returns `x`.
    func normalize<V: HookVisitor>(_ x: UnsafeMutableBufferPointer<Float>, rows: Int, site: NormSite,
                                   scaleHook: HookPoint, normalizedHook: HookPoint,
                                   into: UnsafeMutableBufferPointer<Float>? = nil, _ hooks: inout V) -> UnsafeMutableBufferPointer<Float> {
        guard model.hasNorm(site) else { return x }
        let out = into ?? normalized
        let width = x.count / rows
        if hooks.wants(scaleHook) {
            let scales = ws.buffer("scales", rows)
            model.normScales(site, x.base, rows: rows, width: width, into: scales.base)
            visit(scaleHook, scales, &hooks)
            model.normalize(site, x.base, rows: rows, width: width, scales: scales.base, into: out.base)
        } else {
            model.normalize(site, x.base, rows: rows, width: width, into: out.base)
        }
        visit(normalizedHook, out, &hooks)
        return out
    }

    /// Adds the positional embedding `pos[B·T, d]` to every head's row of
    /// `x` (row (b,t,h) at `((b·T+t)·heads + h)·d`): shortformer Q/K inputs.
    func addPositions(_ x: UnsafeMutablePointer<Float>, heads: Int, pos: UnsafeMutableBufferPointer<Float>) {
        for r in 0..<BT { for h in 0..<heads { addInPlace(x + (r * heads + h) * d, pos.base + r * d, count: d) } }
    }

    /// `out[:, h·d_head ..< (h+1)·d_head] = x_h · W_X[h] + b_X[h]` for every head,
    /// where head h's input row r starts at `x + r·ldx + h·headStride`.
    func project(layer l: Int, kind: QKV, x: UnsafePointer<Float>, ldx: Int, headStride: Int,
                 out: UnsafeMutableBufferPointer<Float>) {
        let group = c.queriesPerKVHead
        if c.qkNorm && kind != .v && headStride == 0 {
            // OLMo 2 on a shared input: one normalised projection serves every head.
            let heads = kind == .q ? H : c.nKVHeads, width = heads * dh
            let all = ws.buffer("qk norm projection", BT * width)
            model.normalizedProjection(layer: l, kind: kind, normalized: x, ldx: ldx, rows: BT, into: all.base)
            for h in 0..<H {
                let src = kind == .q ? h : model.kvHead(h)
                for r in 0..<BT { (out.base + r * hd + h * dh).update(from: all.base + r * width + src * dh, count: dh) }
                model.rotate(out.base + h * dh, rows: BT, ld: hd, seqLen: T)
            }
            return
        }
        for h in 0..<H {
            if headStride == 0 && kind != .q && h % group != 0 {
                // Grouped-query attention on a shared input: the query heads of a
                // group read the same key/value head, so copy the group's first.
                let first = h - h % group
                for r in 0..<BT { (out.base + r * hd + h * dh).update(from: out.base + r * hd + first * dh, count: dh) }
                continue
            }
            model.projectHead(layer: l, head: h, kind: kind, normalized: x + h * headStride, ldx: ldx, rows: BT, seqLen: T,
                              out: out.base + h * dh, ldOut: hd)
        }
    }

    /// ln1 and the q/k/v projections of block `l`, firing the split-input
    /// hooks when a visitor wants any of them (then each head normalises its
    /// own copy, so per-head edits act separately), the shared path otherwise.
    func projectQKV<V: HookVisitor>(layer l: Int, resid: UnsafeMutableBufferPointer<Float>,
                                             pos: UnsafeMutableBufferPointer<Float>, _ hooks: inout V) {
        let shortformer = c.positionalEmbedding == .shortformer
        let split = QKV.allCases.contains { hooks.wants(.input(l, $0)) }
            || hooks.wants(.ln1Scale(l)) || hooks.wants(.ln1Normalized(l))
        if split {
            // [B·T, H, d]: every head gets its own copy of the residual stream.
            let inputs = QKV.allCases.map { kind -> UnsafeMutableBufferPointer<Float> in
                let rep = ws.buffer("input \(kind.letter)", BT * H * d)
                for r in 0..<BT { for h in 0..<H { (rep.base + (r * H + h) * d).update(from: resid.base + r * d, count: d) } }
                visit(.input(l, kind), rep, &hooks)
                return rep
            }
            let headNorm = ws.buffer("head normalized", BT * H * d)
            for kind in QKV.allCases {
                // TL normalises over d for each (b, t, h): B·T·H contiguous rows.
                let x = normalize(inputs[kind.rawValue], rows: BT * H, site: .ln1(l), scaleHook: .ln1Scale(l),
                                  normalizedHook: .ln1Normalized(l), into: headNorm, &hooks)
                if shortformer && kind != .v {
                    if x.base != headNorm.base { headNorm.base.update(from: x.base, count: BT * H * d) }
                    addPositions(headNorm.base, heads: H, pos: pos)
                    project(layer: l, kind: kind, x: headNorm.base, ldx: H * d, headStride: d, out: qkv[kind.rawValue])
                } else {
                    project(layer: l, kind: kind, x: x.base, ldx: H * d, headStride: d, out: qkv[kind.rawValue])
                }
            }
        } else {
            // All heads and all three kinds share one LayerNorm of the residual stream.
            let x = normalize(resid, rows: BT, site: .ln1(l), scaleHook: .ln1Scale(l), normalizedHook: .ln1Normalized(l), &hooks)
            var qkInput = x
            if shortformer {
                qkInput = ws.buffer("shortformer qk input", BT * d)
                qkInput.base.update(from: x.base, count: BT * d)
                addPositions(qkInput.base, heads: 1, pos: pos)
            }
            for kind in QKV.allCases {
                let input = kind == .v ? x : qkInput
                project(layer: l, kind: kind, x: input.base, ldx: d, headStride: 0, out: qkv[kind.rawValue])
            }
        }
        for kind in QKV.allCases { visit(.qkv(l, kind), qkv[kind.rawValue], &hooks) }
    }

    /// Scores, pattern and z of every head. Patterns are all computed before
    /// `hook_pattern` fires, and z after it, so a rewritten pattern is used.
    func attentionPatternsAndZ<V: HookVisitor>(layer l: Int, _ hooks: inout V) {
        let rule = c.attentionRule(layer: l)
        let q = qkv[0].base, k = qkv[1].base, v = qkv[2].base
        let wantScores = hooks.wants(.attnScores(l))
        for b in 0..<B { for h in 0..<H {
            let p = pattern.base + (b * H + h) * T * T
            let rowOffset = b * T * hd + h * dh
            sgemm(T, T, dh, a: q + rowOffset, lda: hd, b: k + rowOffset, ldb: hd, transposeB: true, c: p, alpha: rule.scale)
            rule.cap(p, count: T * T)
            rule.maskWindow(p, queries: T, keys: T)
            if c.causal && wantScores {
                // TL's hook_attn_scores already holds the mask value in future positions.
                for i in 0..<T { for j in (i + 1)..<max(i + 1, T) { p[i * T + j] = maskedAttentionScore } }
            }
        } }
        if wantScores {
            let scores = ws.buffer("scores", B * H * T * T)
            scores.base.update(from: pattern.base, count: B * H * T * T)
            visit(.attnScores(l), scores, &hooks)
            // A rewritten score is what the softmax sees.
            pattern.base.update(from: scores.base, count: B * H * T * T)
        }
        for bh in 0..<(B * H) { softmaxRows(pattern.base + bh * T * T, queries: T, keys: T, causal: c.causal) }
        visit(.pattern(l), pattern, &hooks)
        for b in 0..<B { for h in 0..<H {
            let rowOffset = b * T * hd + h * dh
            sgemm(T, dh, T, a: pattern.base + (b * H + h) * T * T, b: v + rowOffset, ldb: hd,
                  c: z.base + rowOffset, ldc: hd)
        } }
        visit(.z(l), z, &hooks)
    }

    /// hook_result (if wanted) and hook_attn_out = Σ_h result[h] + b_O.
    func attentionOutput<V: HookVisitor>(layer l: Int, _ hooks: inout V) -> UnsafeMutableBufferPointer<Float> {
        let attn = model.weights.blocks[l].attn
        let attnOut = ws.buffer("attn out", BT * d)
        let postNorm = model.hasNorm(.postAttention(l))
        if hooks.wants(.result(l)) {
            let result = ws.buffer("result", BT * H * d)
            for h in 0..<H {
                model.headResult(layer: l, head: h, z: z.base + h * dh, ldz: hd, rows: BT, out: result.base + h * d, ldOut: H * d)
            }
            if postNorm { model.shareAttentionNorm(layer: l, results: result.base, rows: BT) }
            visit(.result(l), result, &hooks)
            // TL: sum over heads, then + b_O.
            for r in 0..<BT {
                let dst = attnOut.base + r * d
                dst.update(from: result.base + r * H * d, count: d)
                for h in 1..<max(1, H) { addInPlace(dst, result.base + (r * H + h) * d, count: d) }
                if let bO = attn.bO { addInPlace(dst, bO.pointer, count: d) }
            }
        } else {
            // W_O is one [H·d_head, d] matrix: one GEMM sums the heads.
            if let bO = attn.bO { broadcastRows(attnOut.base, row: bO.pointer, rows: BT, width: d) }
            else { attnOut.base.update(repeating: 0, count: BT * d) }
            attn.wO.apply(z.base, rows: BT, inputs: hd, outputs: d, into: attnOut.base, beta: 1)
            if postNorm { model.normalize(.postAttention(l), attnOut.base, rows: BT, into: attnOut.base) }
        }
        visit(.attnOut(l), attnOut, &hooks)
        return attnOut
    }

    /// hook_mlp_in → ln2 → MLP → hook_mlp_out, reading resid_mid.
    func mlpBlock<V: HookVisitor>(layer l: Int, residMid: UnsafeMutableBufferPointer<Float>, _ hooks: inout V)
        -> UnsafeMutableBufferPointer<Float> {
        var mlpIn = residMid
        if hooks.wants(.mlpIn(l)) {
            // A separate copy: edits to hook_mlp_in must not reach resid_post.
            mlpIn = ws.buffer("mlp in", BT * d)
            mlpIn.base.update(from: residMid.base, count: BT * d)
            visit(.mlpIn(l), mlpIn, &hooks)
        }
        let x = normalize(mlpIn, rows: BT, site: .ln2(l), scaleHook: .ln2Scale(l),
                          normalizedHook: .ln2Normalized(l), &hooks)
        let out = ws.buffer("mlp out", BT * d)
        let hidden = ws.buffer("mlp hidden", BT * (c.dMLP ?? 0))
        model.mlpAfterNorm(layer: l, normalized: x.base, rows: BT, out: out.base, hidden: hidden.base) { hook, _ in
            visit(hook, hidden, &hooks)
        }
        visit(.mlpOut(l), out, &hooks)
        return out
    }
}
