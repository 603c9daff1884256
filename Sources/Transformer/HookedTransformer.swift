import Foundation
import Kernels

/// A TransformerLens-compatible transformer (GPT-2 family, attention-only,
/// shortformer, tracr) over OpenBLAS.
///
/// The model is a set of small building blocks (`embedTokens`,
/// `normalizeHeadInput`, `projectHead`, `attend`, `headResult`, `mlp`,
/// `unembed`) composed by one readable `forward`; the ACDC evaluator composes
/// the same blocks differently to recompute single heads.
public final class HookedTransformer: @unchecked Sendable {
    public let config: ModelConfig
    public let weights: TransformerWeights
    /// Where the model came from (directory), for messages and identity.
    public let origin: String

    public init(config: ModelConfig, weights: TransformerWeights, origin: String) {
        self.config = config; self.weights = weights; self.origin = origin
    }

    /// Loads a model directory: TransformerLens format (`config.json` with TL
    /// fields + `model.safetensors` with TL names) or a Hugging Face GPT-2
    /// directory (`config.json` with `"model_type": "gpt2"`).
    public static func load(directory: String) throws -> HookedTransformer {
        let cfgPath = (directory as NSString).appendingPathComponent("config.json")
        let stPath = (directory as NSString).appendingPathComponent("model.safetensors")
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError("\(directory): model directory not found")
        }
        let data = Data(try InputFile.read(cfgPath, what: "model config", maxBytes: 16 << 20))
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelError("\(cfgPath): not a JSON object")
        }
        guard FileManager.default.fileExists(atPath: stPath) else {
            throw ModelError("\(stPath): missing weights file")
        }
        let file = try SafetensorsFile(path: stPath)
        if (obj["model_type"] as? String) == "gpt2" {
            let (cfg, tensors) = try HuggingFaceGPT2.convert(config: obj, configPath: cfgPath, file: file)
            return HookedTransformer(config: cfg, weights: try TransformerWeights.load(tensors, config: cfg), origin: directory)
        }
        let cfg = try ModelConfig.parse(obj, file: cfgPath)
        return HookedTransformer(config: cfg, weights: try TransformerWeights.load(file, config: cfg), origin: directory)
    }

    // MARK: building blocks

    /// `out[B·T, d] = W_E[tokens]`
    public func embedTokens(_ tokens: TokenBatch, into out: UnsafeMutablePointer<Float>) {
        let d = config.dModel
        for (i, t) in tokens.ids.enumerated() {
            (out + i * d).update(from: weights.wE.pointer + Int(t) * d, count: d)
        }
    }

    /// `out[B·T, d]`: row (b, t) gets `W_pos[perm?[t] ?? t]` for every b.
    public func positionalEmbedding(rows: Int, seqLen: Int, permutation: [Int]? = nil, into out: UnsafeMutablePointer<Float>) {
        let d = config.dModel
        for b in 0..<rows {
            for t in 0..<seqLen {
                let p = permutation?[t] ?? t
                (out + (b * seqLen + t) * d).update(from: weights.wPos.pointer + p * d, count: d)
            }
        }
    }

    /// LN1 of one head's input rows (row stride `stride`) into contiguous
    /// `out[rows, d]`; for shortformer models the positional embedding is added
    /// to the normalised query and key inputs, as TransformerLens does.
    public func normalizeHeadInput(layer: Int, kind: QKV, _ x: UnsafePointer<Float>, rows: Int, stride: Int,
                                   seqLen: Int, out: UnsafeMutablePointer<Float>, positions: [Int]? = nil) {
        let d = config.dModel
        let ln = weights.blocks[layer].ln1
        if config.normalization == nil {
            for r in 0..<rows { (out + r * d).update(from: x + r * stride, count: d) }
        } else if stride == d {
            layerNorm(x, rows: rows, width: d, weight: ln?.w.pointer, bias: ln?.b.pointer, eps: config.eps, output: out)
        } else {
            for r in 0..<rows {
                layerNorm(x + r * stride, rows: 1, width: d, weight: ln?.w.pointer, bias: ln?.b.pointer, eps: config.eps, output: out + r * d)
            }
        }
        if config.positionalEmbedding == .shortformer && kind != .v {
            // Row r is position r % seqLen unless the caller passes the rows' positions.
            for r in 0..<rows { addInPlace(out + r * d, weights.wPos.pointer + (positions?[r] ?? r % seqLen) * d, count: d) }
        }
    }

    /// `out[rows, d_head] (row stride ldOut) = normalized · W_X[head] + b_X[head]`
    public func projectHead(layer: Int, head: Int, kind: QKV, normalized: UnsafePointer<Float>, rows: Int,
                            out: UnsafeMutablePointer<Float>, ldOut: Int) {
        let d = config.dModel, dh = config.dHead
        let a = weights.blocks[layer].attn
        let bias = a.bias(kind).pointer + head * dh
        for r in 0..<rows { (out + r * ldOut).update(from: bias, count: dh) }
        sgemm(rows, dh, d, a: normalized, b: a.weight(kind).pointer + head * d * dh, c: out, ldc: ldOut, beta: 1)
    }

    /// Attention of one head over a batch: `scores = q·kᵀ/√d_head` (masked when
    /// causal), `pattern = softmax(scores)`, `z = pattern·v`. q/k/v/z rows for
    /// (b, t) live at `(b·T + t)·ld`. `scores`/`pattern` receive `[B, T, T]` if non-nil.
    public func attend(q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int,
                       v: UnsafePointer<Float>, ldv: Int, batch: Int, seqLen t: Int,
                       pattern: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>, ldz: Int,
                       scoresOut: UnsafeMutablePointer<Float>? = nil) {
        let dh = config.dHead
        let scale: Float = config.useAttnScale ? 1 / Float(dh).squareRoot() : 1
        for b in 0..<batch {
            let p = pattern + b * t * t
            sgemm(t, t, dh, a: q + b * t * ldq, lda: ldq, b: k + b * t * ldk, ldb: ldk, transposeB: true, c: p, alpha: scale)
            if let s = scoresOut {
                if config.causal {
                    for i in 0..<t where i + 1 < t { for j in (i + 1)..<t { p[i * t + j] = maskedAttentionScore } }
                }
                (s + b * t * t).update(from: p, count: t * t)
            }
            softmaxRows(p, queries: t, keys: t, causal: config.causal)
            sgemm(t, dh, t, a: p, b: v + b * t * ldv, ldb: ldv, c: z + b * t * ldz, ldc: ldz)
        }
    }

    /// `out[rows, d] (row stride ldOut) = z[head] · W_O[head]` (no bias: TL's hook_result).
    public func headResult(layer: Int, head: Int, z: UnsafePointer<Float>, ldz: Int, rows: Int,
                           out: UnsafeMutablePointer<Float>, ldOut: Int, accumulate: Bool = false) {
        let d = config.dModel, dh = config.dHead
        sgemm(rows, d, dh, a: z, lda: ldz, b: weights.blocks[layer].attn.wO.pointer + head * dh * d,
              c: out, ldc: ldOut, beta: accumulate ? 1 : 0)
    }

    /// `out[rows, d] = W_out·act(LN2(x)·W_in + b_in) + b_out`. `hidden` needs
    /// rows·d_mlp floats, `normalized` rows·d floats. Optional hooks get the
    /// intermediate tensors.
    public func mlp(layer: Int, _ x: UnsafePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>,
                    normalized: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>,
                    observe: (HookPoint, UnsafeMutablePointer<Float>) -> Void = { _, _ in }) {
        let d = config.dModel
        let blk = weights.blocks[layer]
        if config.normalization != nil {
            layerNorm(x, rows: rows, width: d, weight: blk.ln2?.w.pointer, bias: blk.ln2?.b.pointer, eps: config.eps, output: normalized)
        } else {
            normalized.update(from: x, count: rows * d)
        }
        mlpAfterNorm(layer: layer, normalized: normalized, rows: rows, out: out, hidden: hidden, observe: observe)
    }

    /// The MLP from its LN2 output: `out[rows, d] = W_out·act(normalized·W_in + b_in) + b_out`.
    /// `observe` sees `hook_pre` and `hook_post` in `hidden` (rows·d_mlp floats)
    /// and may rewrite them.
    public func mlpAfterNorm(layer: Int, normalized: UnsafePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>,
                             hidden: UnsafeMutablePointer<Float>,
                             observe: (HookPoint, UnsafeMutablePointer<Float>) -> Void = { _, _ in }) {
        let d = config.dModel, m = config.dMLP!
        let w = weights.blocks[layer].mlp!
        broadcastRows(hidden, row: w.bIn.pointer, rows: rows, width: m)
        sgemm(rows, m, d, a: normalized, b: w.wIn.pointer, c: hidden, beta: 1)
        observe(.mlpPre(layer), hidden)
        config.activation.apply(hidden, count: rows * m)
        observe(.mlpPost(layer), hidden)
        broadcastRows(out, row: w.bOut.pointer, rows: rows, width: d)
        sgemm(rows, d, m, a: hidden, b: w.wOut.pointer, c: out, beta: 1)
    }

    /// Final LayerNorm and unembedding: `logits[rows, d_vocab_out]`.
    /// `normalized` needs rows·d floats.
    public func unembed(_ resid: UnsafePointer<Float>, rows: Int, normalized: UnsafeMutablePointer<Float>,
                        logits: UnsafeMutablePointer<Float>) {
        let d = config.dModel
        if config.normalization != nil {
            let ln = weights.lnFinal
            layerNorm(resid, rows: rows, width: d, weight: ln?.w.pointer, bias: ln?.b.pointer, eps: config.eps, output: normalized)
        } else {
            normalized.update(from: resid, count: rows * d)
        }
        unembedNormalized(normalized, rows: rows, logits: logits)
    }

    /// Unembedding of already normalised rows: `logits = normalized·W_U + b_U`.
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
        for r in 0..<rows { (logits + r * v + c0).update(from: weights.bU.pointer + c0, count: n) }
        if rows == 1 {
            sgemvRow(n: n, k: d, x: normalized, b: weights.wU.pointer + c0, ldb: v, y: logits + c0, beta: 1)
        } else {
            sgemm(rows, n, d, a: normalized, b: weights.wU.pointer + c0, ldb: v, c: logits + c0, ldc: v, beta: 1)
        }
    }
}
