import Kernels

extension HookedTransformer {
    /// The plain forward pass, hook for hook as TransformerLens 1.6.1 runs it
    /// with `use_attn_result`, `use_split_qkv_input` and `use_hook_mlp_in`.
    /// Returns logits `[B, T, d_vocab_out]`.
    ///
    /// Tensors a visitor does not ask for are not materialised: without split
    /// inputs the LayerNorm runs once per layer and all heads share it; without
    /// `hook_result` the head outputs are summed by one `[B·T, H·d_head]×[H·d_head, d]` GEMM.
    public func forward<V: HookVisitor>(_ tokens: TokenBatch, hooks: inout V) -> [Float] {
        let c = config
        let B = tokens.rows, T = tokens.seqLen, BT = B * T
        let d = c.dModel, H = c.nHeads, dh = c.dHead
        let hd = H * dh

        func visit(_ h: HookPoint, _ buf: inout [Float]) {
            guard hooks.wants(h) else { return }
            let shape = h.shape(c, batch: B, seq: T)
            buf.withUnsafeMutableBufferPointer { hooks.visit(h, shape: shape, $0) }
        }

        var embed = [Float](repeating: 0, count: BT * d)
        embed.withUnsafeMutableBufferPointer { embedTokens(tokens, into: $0.baseAddress!) }
        visit(.embed, &embed)
        var pos = [Float](repeating: 0, count: BT * d)
        pos.withUnsafeMutableBufferPointer { positionalEmbedding(rows: B, seqLen: T, into: $0.baseAddress!) }
        visit(.posEmbed, &pos)
        var resid = embed
        if c.positionalEmbedding == .standard {
            resid.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, pos, count: BT * d) }
        }

        var normalized = [Float](repeating: 0, count: BT * d)
        var qkv: [[Float]] = Array(repeating: [Float](repeating: 0, count: BT * hd), count: 3)
        var pattern = [Float](repeating: 0, count: B * H * T * T)
        var z = [Float](repeating: 0, count: BT * hd)
        var hidden = [Float](repeating: 0, count: BT * (c.dMLP ?? 1))

        for l in 0..<c.nLayers {
            visit(.residPre(l), &resid)
            let split = QKV.allCases.contains { hooks.wants(.input(l, $0)) }
                || hooks.wants(.ln1Scale(l)) || hooks.wants(.ln1Normalized(l))

            // Split inputs: each head gets its own copy of the residual stream.
            var inputs: [[Float]] = []
            if split {
                for kind in QKV.allCases {
                    var rep = [Float](repeating: 0, count: BT * H * d)
                    rep.withUnsafeMutableBufferPointer { r in
                        resid.withUnsafeBufferPointer { s in
                            for row in 0..<BT { for h in 0..<H {
                                (r.baseAddress! + (row * H + h) * d).update(from: s.baseAddress! + row * d, count: d)
                            } }
                        }
                    }
                    visit(.input(l, kind), &rep)
                    inputs.append(rep)
                }
            }
            for kind in QKV.allCases {
                if split {
                    var norm = [Float](repeating: 0, count: BT * H * d)
                    inputs[kind.rawValue].withUnsafeBufferPointer { x in
                        norm.withUnsafeMutableBufferPointer { n in
                            for h in 0..<H {
                                // Per-head LN; rows of head h are strided by H·d in TL layout.
                                var tmp = [Float](repeating: 0, count: BT * d)
                                tmp.withUnsafeMutableBufferPointer { t in
                                    normalizeHeadInput(layer: l, kind: kind, x.baseAddress! + h * d, rows: BT, stride: H * d, seqLen: T, out: t.baseAddress!)
                                    for r in 0..<BT { (n.baseAddress! + (r * H + h) * d).update(from: t.baseAddress! + r * d, count: d) }
                                }
                            }
                        }
                    }
                    if c.normalization != nil {
                        if hooks.wants(.ln1Scale(l)) {
                            var sc = [Float](repeating: 0, count: BT * H)
                            inputs[kind.rawValue].withUnsafeBufferPointer { x in
                                sc.withUnsafeMutableBufferPointer { layerNormScales(x.baseAddress!, rows: BT * H, stride: d, out: $0.baseAddress!) }
                            }
                            visit(.ln1Scale(l), &sc)
                        }
                        visit(.ln1Normalized(l), &norm)
                    }
                    norm.withUnsafeBufferPointer { n in
                        qkv[kind.rawValue].withUnsafeMutableBufferPointer { o in
                            for h in 0..<H {
                                // TL layout: row (b,t) of head h starts at (row·H + h)·d; gather it.
                                var rows = [Float](repeating: 0, count: BT * d)
                                rows.withUnsafeMutableBufferPointer { rp in
                                    for r in 0..<BT { (rp.baseAddress! + r * d).update(from: n.baseAddress! + (r * H + h) * d, count: d) }
                                    projectHead(layer: l, head: h, kind: kind, normalized: rp.baseAddress!, rows: BT, out: o.baseAddress! + h * dh, ldOut: hd)
                                }
                            }
                        }
                    }
                } else {
                    resid.withUnsafeBufferPointer { x in
                        normalized.withUnsafeMutableBufferPointer { n in
                            normalizeHeadInput(layer: l, kind: kind, x.baseAddress!, rows: BT, stride: d, seqLen: T, out: n.baseAddress!)
                            qkv[kind.rawValue].withUnsafeMutableBufferPointer { o in
                                for h in 0..<H {
                                    projectHead(layer: l, head: h, kind: kind, normalized: n.baseAddress!, rows: BT, out: o.baseAddress! + h * dh, ldOut: hd)
                                }
                            }
                        }
                    }
                }
            }
            for kind in QKV.allCases { visit(.qkv(l, kind), &qkv[kind.rawValue]) }

            // Attention per head; pattern buffer is [B, H, T, T] like TL.
            let wantScores = hooks.wants(.attnScores(l))
            var scores = wantScores ? [Float](repeating: 0, count: B * H * T * T) : []
            qkv[0].withUnsafeBufferPointer { q in qkv[1].withUnsafeBufferPointer { k in qkv[2].withUnsafeBufferPointer { v in
                pattern.withUnsafeMutableBufferPointer { p in z.withUnsafeMutableBufferPointer { zz in
                    var headPattern = [Float](repeating: 0, count: B * T * T)
                    var headScores = [Float](repeating: 0, count: wantScores ? B * T * T : 0)
                    headPattern.withUnsafeMutableBufferPointer { hp in headScores.withUnsafeMutableBufferPointer { hs in
                        for h in 0..<H {
                            attend(q: q.baseAddress! + h * dh, ldq: hd, k: k.baseAddress! + h * dh, ldk: hd,
                                   v: v.baseAddress! + h * dh, ldv: hd, batch: B, seqLen: T,
                                   pattern: hp.baseAddress!, z: zz.baseAddress! + h * dh, ldz: hd,
                                   scoresOut: wantScores ? hs.baseAddress! : nil)
                            for b in 0..<B {
                                (p.baseAddress! + (b * H + h) * T * T).update(from: hp.baseAddress! + b * T * T, count: T * T)
                                if wantScores {
                                    scores.withUnsafeMutableBufferPointer { s in
                                        (s.baseAddress! + (b * H + h) * T * T).update(from: hs.baseAddress! + b * T * T, count: T * T)
                                    }
                                }
                            }
                        }
                    } }
                } }
            } } }
            if wantScores { visit(.attnScores(l), &scores) }
            if hooks.wants(.pattern(l)) {
                visit(.pattern(l), &pattern)
                // A rewritten pattern changes z: recompute z = pattern·v per head.
                qkv[2].withUnsafeBufferPointer { v in pattern.withUnsafeBufferPointer { p in z.withUnsafeMutableBufferPointer { zz in
                    for b in 0..<B { for h in 0..<H {
                        sgemm(T, dh, T, a: p.baseAddress! + (b * H + h) * T * T, b: v.baseAddress! + b * T * hd + h * dh, ldb: hd,
                              c: zz.baseAddress! + b * T * hd + h * dh, ldc: hd)
                    } }
                } } }
            }
            visit(.z(l), &z)

            // Head outputs and their sum.
            var attnOut = [Float](repeating: 0, count: BT * d)
            let bO = weights.blocks[l].attn.bO.pointer
            if hooks.wants(.result(l)) {
                var result = [Float](repeating: 0, count: BT * H * d)
                z.withUnsafeBufferPointer { zz in result.withUnsafeMutableBufferPointer { r in
                    for h in 0..<H {
                        headResult(layer: l, head: h, z: zz.baseAddress! + h * dh, ldz: hd, rows: BT, out: r.baseAddress! + h * d, ldOut: H * d)
                    }
                } }
                visit(.result(l), &result)
                attnOut.withUnsafeMutableBufferPointer { o in result.withUnsafeBufferPointer { r in
                    for row in 0..<BT {
                        let dst = o.baseAddress! + row * d
                        dst.update(from: bO, count: d)
                        for h in 0..<H { addInPlace(dst, r.baseAddress! + (row * H + h) * d, count: d) }
                    }
                } }
            } else {
                attnOut.withUnsafeMutableBufferPointer { o in z.withUnsafeBufferPointer { zz in
                    broadcastRows(o.baseAddress!, row: bO, rows: BT, width: d)
                    sgemm(BT, d, hd, a: zz.baseAddress!, b: weights.blocks[l].attn.wO.pointer, c: o.baseAddress!, beta: 1)
                } }
            }
            visit(.attnOut(l), &attnOut)

            if c.hasMLP {
                var residMid = resid
                residMid.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, attnOut, count: BT * d) }
                visit(.residMid(l), &residMid)
                var mlpIn = residMid
                visit(.mlpIn(l), &mlpIn)
                if c.normalization != nil && hooks.wants(.ln2Scale(l)) {
                    var sc = [Float](repeating: 0, count: BT)
                    mlpIn.withUnsafeBufferPointer { x in sc.withUnsafeMutableBufferPointer { layerNormScales(x.baseAddress!, rows: BT, stride: d, out: $0.baseAddress!) } }
                    visit(.ln2Scale(l), &sc)
                }
                var mlpOut = [Float](repeating: 0, count: BT * d)
                let m = c.dMLP!
                mlpIn.withUnsafeBufferPointer { x in mlpOut.withUnsafeMutableBufferPointer { o in
                    normalized.withUnsafeMutableBufferPointer { n in hidden.withUnsafeMutableBufferPointer { hdn in
                        mlp(layer: l, x.baseAddress!, rows: BT, out: o.baseAddress!, normalized: n.baseAddress!, hidden: hdn.baseAddress!) { hook, ptr in
                            if case .mlpPre = hook, c.normalization != nil, hooks.wants(.ln2Normalized(l)) {
                                var nn = Array(UnsafeBufferPointer(start: n.baseAddress!, count: BT * d))
                                visit(.ln2Normalized(l), &nn)
                            }
                            if hooks.wants(hook) {
                                var buf = Array(UnsafeBufferPointer(start: ptr, count: BT * m))
                                visit(hook, &buf)
                                ptr.update(from: buf, count: BT * m)
                            }
                        }
                    } }
                } }
                visit(.mlpOut(l), &mlpOut)
                resid = residMid
                resid.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, mlpOut, count: BT * d) }
            } else {
                resid.withUnsafeMutableBufferPointer { addInPlace($0.baseAddress!, attnOut, count: BT * d) }
            }
            visit(.residPost(l), &resid)
        }

        if c.normalization != nil && hooks.wants(.lnFinalScale) {
            var sc = [Float](repeating: 0, count: BT)
            resid.withUnsafeBufferPointer { x in sc.withUnsafeMutableBufferPointer { layerNormScales(x.baseAddress!, rows: BT, stride: d, out: $0.baseAddress!) } }
            visit(.lnFinalScale, &sc)
        }
        var logits = [Float](repeating: 0, count: BT * c.dVocabOut)
        resid.withUnsafeBufferPointer { x in normalized.withUnsafeMutableBufferPointer { n in logits.withUnsafeMutableBufferPointer { o in
            unembed(x.baseAddress!, rows: BT, normalized: n.baseAddress!, logits: o.baseAddress!)
        } } }
        if c.normalization != nil && hooks.wants(.lnFinalNormalized) {
            var nn = Array(normalized.prefix(BT * d))
            visit(.lnFinalNormalized, &nn)
        }
        return logits
    }

    /// Forward without hooks.
    public func logits(_ tokens: TokenBatch) -> [Float] {
        var none = NoHooks()
        return forward(tokens, hooks: &none)
    }
}
