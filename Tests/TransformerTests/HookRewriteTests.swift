import XCTest
import Transformer

/// A visitor that rewrites chosen hooks with closures and records a copy of
/// others (after any rewrite), so a test can check what flowed downstream.
struct RewritingVisitor: HookVisitor {
    typealias Rewrite = (_ shape: [Int], _ value: UnsafeMutableBufferPointer<Float>) -> Void
    var rewrites: [HookPoint: Rewrite] = [:]
    var record: Set<HookPoint> = []
    var seen: [HookPoint: [Float]] = [:]

    func wants(_ hook: HookPoint) -> Bool { rewrites[hook] != nil || record.contains(hook) }
    mutating func visit(_ hook: HookPoint, shape: [Int], _ value: UnsafeMutableBufferPointer<Float>) {
        rewrites[hook]?(shape, value)
        if record.contains(hook) { seen[hook] = Array(value) }
    }
}

/// Hooks that rewrite activations must change everything downstream exactly as
/// if the rewritten value had been computed (TL's hook semantics, which ACDC's
/// patching relies on).
///
/// Where both sides run the same float operations on the same inputs the
/// comparison is exact; where summation order differs (sum over heads vs a
/// fused GEMM) 1e-5·max(1, |b|) as in the parity tests.
final class HookRewriteTests: XCTestCase {
    var model: HookedTransformer!
    var clean: TokenBatch!
    var corrupted: TokenBatch!
    var c: ModelConfig { model.config }

    override func setUpWithError() throws {
        model = try HookedTransformer.load(directory: FixturePaths.path("tiny-gpt2", "model"))
        let rows = try ExperimentRows(caseName: "tiny-gpt2")
        clean = try TokenBatch(Array(rows.clean.prefix(3)), origin: "clean")
        corrupted = try TokenBatch(Array(rows.corrupted.prefix(3)), origin: "corrupted")
    }

    func run(_ tokens: TokenBatch, rewrites: [HookPoint: RewritingVisitor.Rewrite] = [:],
             record: Set<HookPoint> = []) -> (logits: [Float], seen: [HookPoint: [Float]]) {
        var v = RewritingVisitor(rewrites: rewrites, record: record)
        let logits = model.forward(tokens, hooks: &v)
        return (logits, v.seen)
    }

    func assertNear(_ got: [Float], _ want: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, what, file: file, line: line)
        let d = Disagreement.worst(got, want)
        XCTAssert(d.ratio <= 1e-5, "\(what): \(d)", file: file, line: line)
    }

    /// `rows × width` copies of `row`.
    func tiled(_ row: [Float], _ rows: Int) -> [Float] { (0..<rows).flatMap { _ in row } }

    func testPatchingLastResidPostWithCleanValueGivesCleanLogits() {
        let last = HookPoint.residPost(c.nLayers - 1)
        let cleanRun = run(clean, record: [last])
        let cleanResid = cleanRun.seen[last]!
        let corruptedLogits = model.logits(corrupted)
        XCTAssertGreaterThan(Disagreement.worst(corruptedLogits, cleanRun.logits).absDiff, 1e-2, "the inputs differ")
        let patched = run(corrupted, rewrites: [last: { _, v in _ = v.update(from: cleanResid) }])
        XCTAssertEqual(patched.logits, cleanRun.logits, "same final residual ⇒ bit-identical logits")
    }

    func testZeroingLayer0ResultsLeavesOnlyOutputBias() {
        let bO = model.weights.blocks[0].attn.bO!.array
        let BT = clean.rows * clean.seqLen
        let zeroed = run(clean, rewrites: [.result(0): { _, v in v.update(repeating: 0) }],
                         record: [.attnOut(0), .residPre(0), .residMid(0)])
        XCTAssertEqual(zeroed.seen[.attnOut(0)]!, tiled(bO, BT), "hook_attn_out = Σ_h 0 + b_O")
        let pre = zeroed.seen[.residPre(0)]!, mid = zeroed.seen[.residMid(0)]!
        XCTAssertEqual(mid, zip(pre, tiled(bO, BT)).map { $0 + $1 }, "resid_mid = resid_pre + b_O")
        // Same downstream as writing b_O straight into hook_attn_out.
        let viaAttnOut = run(clean, rewrites: [.attnOut(0): { _, v in _ = v.update(from: self.tiled(bO, BT)) }])
        XCTAssertEqual(zeroed.logits, viaAttnOut.logits)
        XCTAssertGreaterThan(Disagreement.worst(zeroed.logits, model.logits(clean)).absDiff, 1e-3, "ablation has an effect")
    }

    /// Zeroing head h of `hook_result` removes exactly that head's term from hook_attn_out.
    func testZeroingOneHeadSubtractsItsResult() {
        let h = 2, d = c.dModel, H = c.nHeads
        let base = run(clean, record: [.result(1), .attnOut(1)])
        let result = base.seen[.result(1)]!
        let patched = run(clean, rewrites: [.result(1): { shape, v in
            XCTAssertEqual(shape, [self.clean.rows, self.clean.seqLen, H, d])
            for row in 0..<(shape[0] * shape[1]) { for i in 0..<d { v[(row * H + h) * d + i] = 0 } }
        }], record: [.attnOut(1)])
        var want = base.seen[.attnOut(1)]!
        for row in 0..<(clean.rows * clean.seqLen) { for i in 0..<d { want[row * d + i] -= result[(row * H + h) * d + i] } }
        assertNear(patched.seen[.attnOut(1)]!, want, "attn_out without head \(h)")
    }

    func testReplacingPositionalEmbedding() {
        let zeroPos = run(clean, rewrites: [.posEmbed: { _, v in v.update(repeating: 0) }], record: [.embed, .residPre(0)])
        XCTAssertEqual(zeroPos.seen[.residPre(0)]!, zeroPos.seen[.embed]!, "resid_pre(0) = embed + 0")
        let embed = zeroPos.seen[.embed]!
        let viaResid = run(clean, rewrites: [.residPre(0): { _, v in _ = v.update(from: embed) }])
        XCTAssertEqual(zeroPos.logits, viaResid.logits)
    }

    /// Patching one head's query input (ACDC's Q-input edge) changes that head's
    /// hook_q only; its keys and values and the other heads' queries are untouched.
    func testPatchingOneHeadsQueryInput() {
        let h = 1, d = c.dModel, H = c.nHeads, dh = c.dHead
        let rows = clean.rows * clean.seqLen
        let corr = run(corrupted, record: [.input(0, .q), .qkv(0, .q)])
        let base = run(clean, record: [.qkv(0, .q), .qkv(0, .k), .qkv(0, .v)])
        let corrInput = corr.seen[.input(0, .q)]!
        let patched = run(clean, rewrites: [.input(0, .q): { _, v in
            for r in 0..<rows { for i in 0..<d { v[(r * H + h) * d + i] = corrInput[(r * H + h) * d + i] } }
        }], record: [.qkv(0, .q), .qkv(0, .k), .qkv(0, .v)])
        XCTAssertEqual(patched.seen[.qkv(0, .k)]!, base.seen[.qkv(0, .k)]!)
        XCTAssertEqual(patched.seen[.qkv(0, .v)]!, base.seen[.qkv(0, .v)]!)
        let q = patched.seen[.qkv(0, .q)]!
        var changed: Float = 0
        for r in 0..<rows { for hh in 0..<H { for i in 0..<dh {
            let at = (r * H + hh) * dh + i
            if hh == h {
                XCTAssertEqual(q[at], corr.seen[.qkv(0, .q)]![at], accuracy: 1e-5)
                changed = max(changed, abs(q[at] - base.seen[.qkv(0, .q)]![at]))
            } else {
                XCTAssertEqual(q[at], base.seen[.qkv(0, .q)]![at])
            }
        } } }
        XCTAssertGreaterThan(changed, 1e-3)
    }

    /// A rewritten pattern is what z is computed from.
    func testRewritingPatternRecomputesZ() {
        let B = clean.rows, T = clean.seqLen, H = c.nHeads, dh = c.dHead
        let out = run(clean, rewrites: [.pattern(0): { _, p in
            for b in 0..<B { for h in 0..<H { for q in 0..<T { for k in 0..<T {
                p[((b * H + h) * T + q) * T + k] = k <= q ? 1 / Float(q + 1) : 0 // uniform causal attention
            } } } }
        }], record: [.qkv(0, .v), .z(0)])
        let v = out.seen[.qkv(0, .v)]!, z = out.seen[.z(0)]!
        var want = [Float](repeating: 0, count: z.count)
        for b in 0..<B { for q in 0..<T { for h in 0..<H { for i in 0..<dh {
            var s: Float = 0
            for k in 0...q { s += v[((b * T + k) * H + h) * dh + i] }
            want[((b * T + q) * H + h) * dh + i] = s / Float(q + 1)
        } } } }
        assertNear(z, want, "z from a uniform pattern")
    }

    func testZeroingLN1NormalizedLeavesOnlyBiases() {
        let bQ = Array(UnsafeBufferPointer(start: model.weights.blocks[0].attn.bias[0]!.head(0), count: c.nHeads * c.dHead))
        let out = run(clean, rewrites: [.ln1Normalized(0): { _, v in v.update(repeating: 0) }], record: [.qkv(0, .q)])
        XCTAssertEqual(out.seen[.qkv(0, .q)]!, tiled(bQ, clean.rows * clean.seqLen))
    }

    func testRewritingMLPPreFeedsTheActivation() {
        let bOut = model.weights.blocks[0].mlp!.bOut!.array
        let out = run(clean, rewrites: [.mlpPre(0): { _, v in v.update(repeating: 0) }], record: [.mlpPost(0), .mlpOut(0)])
        XCTAssertTrue(out.seen[.mlpPost(0)]!.allSatisfy { $0 == 0 }, "gelu_new(0) = 0")
        XCTAssertEqual(out.seen[.mlpOut(0)]!, tiled(bOut, clean.rows * clean.seqLen))
    }

    func testRewritingLN2NormalizedFeedsTheMLP() {
        let bIn = model.weights.blocks[1].mlp!.bIn!.array
        let out = run(clean, rewrites: [.ln2Normalized(1): { _, v in v.update(repeating: 0) }], record: [.mlpPre(1)])
        XCTAssertEqual(out.seen[.mlpPre(1)]!, tiled(bIn, clean.rows * clean.seqLen))
    }

    func testRewritingFinalNormalizedFeedsTheUnembedding() {
        let bU = model.weights.bU!.array
        let out = run(clean, rewrites: [.lnFinalNormalized: { _, v in v.update(repeating: 0) }])
        XCTAssertEqual(out.logits, tiled(bU, clean.rows * clean.seqLen))
    }

    /// TL divides by hook_scale after the hook, so a rewritten scale rescales the output.
    func testRewritingFinalScaleRescalesTheNormalizedValue() {
        let base = run(clean, record: [.lnFinalNormalized])
        let out = run(clean, rewrites: [.lnFinalScale: { _, s in for i in 0..<s.count { s[i] *= 2 } }],
                      record: [.lnFinalNormalized])
        // normalized = (x − μ)/scale·w + b, so doubling the scale halves (normalized − b).
        let b = model.weights.lnFinal!.b!.array, d = c.dModel
        let want = base.seen[.lnFinalNormalized]!.enumerated().map { i, y in (y - b[i % d]) / 2 + b[i % d] }
        assertNear(out.seen[.lnFinalNormalized]!, want, "ln_final with doubled scale")
    }
}
