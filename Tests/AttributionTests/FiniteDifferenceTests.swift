import ACDC
import Attribution
import Foundation
import Kernels
import TestSupport
import Transformer
import XCTest

/// Adds `step · direction` to one receiver (a head's q/k/v input, an MLP
/// input, the final residual or the token embedding) during the forward.
struct Nudge: HookVisitor {
    let hook: HookPoint
    /// Head slice of a `[B·T, H, d]` split input; nil for `[B·T, d]` hooks.
    let head: Int?
    let heads: Int, d: Int
    let direction: [Float]  // [B·T, d]
    let step: Float
    func wants(_ h: HookPoint) -> Bool { h == hook }
    mutating func visit(_ h: HookPoint, shape: [Int], _ value: UnsafeMutableBufferPointer<Float>) {
        let rows = direction.count / d
        for r in 0..<rows { for j in 0..<d {
            let i = head.map { (r * heads + $0) * d + j } ?? r * d + j
            value[i] += step * direction[r * d + j]
        } }
    }
}

/// The backward pass against central finite differences of the forward, for
/// every architecture the runtime loads (the PyTorch fixtures cover
/// tiny-gpt2 and an attention-only model tensor by tensor).
///
/// The forward is float32 only, so the differences are taken in float32
/// along the unit direction of each receiver's gradient, where the exact
/// directional derivative is |g|. With step h = 3e-3 the truncation error
/// (h²·f'''/6) stays below ~0.2% of |g| even for the sharp random
/// attention-only model (measured: 0.15% at 3e-3, 1.6% at 1e-2), and the
/// rounding error of the float32 loss (~1e-6 relative for losses of order
/// 1-5) contributes about 1e-6·|f|/h ≈ 1e-3 absolute: we ask for
/// 1e-2·|g| + 3e-3. A gradient with a wrong sign, a missing path
/// or a missing factor misses this by orders of magnitude.
final class FiniteDifferenceTests: XCTestCase {
    func check(model dir: String, tokens clean: TokenBatch, metric spec: MetricSpec, name: String, step: Float = 3e-3) throws {
        let model = try HookedTransformer.load(directory: dir)
        let c = model.config, d = c.dModel, H = c.nHeads, BT = clean.rows * clean.seqLen
        // The KL metric's gradient vanishes at the clean run: evaluate it on shifted tokens.
        var ids = clean.ids
        for i in stride(from: 1, to: ids.count, by: 3) { ids[i] = (ids[i] + 1) % Int32(c.dVocab) }
        let corrupted = try TokenBatch(ids.map(Int.init).chunked(clean.seqLen), origin: "test")
        let runner = try LossGradient(model: model, clean: clean, spec: spec, metricName: "m")
        let (_, g, _) = runner.run(corrupted)
        var receivers: [(String, HookPoint, Int?, [Float])] = [("hook_embed", .embed, nil, g.embed),
                                                               ("final", .residPost(c.nLayers - 1), nil, g.final)]
        for l in 0..<c.nLayers {
            for kind in QKV.allCases {
                for h in Set([0, H - 1]).sorted() {
                    let off = g.headOffset(h, kind)
                    receivers.append(("L\(l) h\(h) \(kind.letter)", .input(l, kind), h, Array(g.qkvInput[l][off..<(off + BT * d)])))
                }
            }
            if c.hasMLP { receivers.append(("L\(l) mlp_in", .mlpIn(l), nil, g.mlpIn[l])) }
        }
        var checked = 0
        for (label, hook, head, grad) in receivers {
            let norm = grad.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            guard norm > 1e-4 else { continue }
            let u = grad.map { $0 / norm }, h: Float = step
            var plus = Nudge(hook: hook, head: head, heads: H, d: d, direction: u, step: h)
            var minus = Nudge(hook: hook, head: head, heads: H, d: d, direction: u, step: -h)
            let fd = (runner.loss(corrupted, hooks: &plus) - runner.loss(corrupted, hooks: &minus)) / Double(2 * h)
            XCTAssertEqual(fd, Double(norm), accuracy: 1e-2 * Double(norm) + 3e-3, "\(name) \(label)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 2 + c.nLayers, "\(name): too few receivers with a gradient")
    }

    func testTransformerLensModels() throws {
        // Not tracr: its ReLU MLPs sit exactly at their kinks (pre-activation 0)
        // on its discrete inputs, where the loss has no derivative to difference.
        for name in ["tiny-gpt2", "attn-only"] {
            let exp = try Experiment.load(path: fixture("\(name)/experiment.json"))
            let spec = exp.metrics.first { if case .klDiv = $0.spec { return true }; return false }?.spec ?? exp.metrics[0].spec
            try check(model: exp.modelPath, tokens: exp.clean, metric: spec, name: name)
        }
    }

    func testHuggingFaceArchitectures() throws {
        for name in ["gpt2", "gpt2-hub-layout", "gpt_neox", "gpt_neox-sequential", "llama", "llama-bf16-tied-sharded", "mistral", "phi3", "qwen2"] {
            let dir = fixture("hf-arch/\(name)")
            let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/tokens.json"))) as! [[Int]]
            let tokens = try TokenBatch(rows, origin: name)
            try check(model: dir, tokens: tokens, metric: .klDiv(.positions([tokens.seqLen - 1, tokens.seqLen - 5])), name: name)
            try check(model: dir, tokens: tokens, metric: .logitDiff(position: tokens.seqLen - 1, correct: [1, 2], wrong: [3, 4]), name: name)
        }
    }

    func testUnsupportedArchitecturesAreRefused() throws {
        for name in ["gemma2", "olmo2"] {
            let model = try HookedTransformer.load(directory: fixture("hf-arch/\(name)"))
            XCTAssertThrowsError(try model.checkBackwardSupport()) { e in
                XCTAssertTrue("\(e)".contains("gradients are not supported"), "\(e)")
            }
        }
    }
}

extension Array {
    func chunked(_ n: Int) -> [[Element]] { stride(from: 0, to: count, by: n).map { Array(self[$0..<Swift.min($0 + n, count)]) } }
}
