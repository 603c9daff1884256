import Foundation
import XCTest
import TestSupport
@testable import ACDC
import Transformer

/// The incremental evaluator must give the literal evaluator's metric for any
/// edge mask, in any order of requests (its cache may never change a value).
final class EvaluatorEquivalenceTests: XCTestCase {
    struct SplitMix { var s: UInt64; mutating func next() -> UInt64 { s &+= 0x9E3779B97F4A7C15; var z = s
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) &* 0x94D049BB133111EB; return z ^ (z >> 31) } }

    func check(_ fixtureCase: String, metric: String?, zero: Bool, floor: Double) throws {
        let experiment = try Experiment.load(path: fixture(fixtureCase + "/experiment.json"))
        let model = try HookedTransformer.load(directory: experiment.modelPath)
        try check(model: model, experiment: experiment, label: fixtureCase, metric: metric, zero: zero, floor: floor)
    }

    func check(model: HookedTransformer, experiment: Experiment, label fixtureCase: String, metric: String?, zero: Bool,
               floor: Double) throws {
        let setup = try EvaluationSetup(model: model, experiment: experiment, metric: metric, zeroAblation: zero)
        let slow = ReferenceEvaluator(setup: setup), fast = IncrementalEvaluator(setup: setup)
        var rng = SplitMix(s: 42)
        var mask = setup.fullGraph
        var masks: [[Bool]] = [mask]
        // A removal chain (as ACDC produces), with occasional random jumps.
        for i in 0..<40 {
            if i % 10 == 9 {
                masks.append(setup.graph.edges.indices.map { _ in rng.next() % 3 != 0 })
            } else {
                let e = Int(rng.next() % UInt64(mask.count))
                mask[e] = false
                masks.append(mask)
            }
        }
        for (i, mk) in masks.enumerated() {
            let a = slow.evaluate(mk), b = fast.evaluate(mk)
            // Same arithmetic per unit, but OpenBLAS picks different kernels for different row
            // counts (the fast path unembeds only the metric rows), so logits differ in the last
            // ulp (4.8e-7 at |logit| ≈ 5). KL/L2 absorb that as ~1e-8 absolute noise; a logit
            // difference as up to 1 ulp of the logits. Hence an absolute floor per metric.
            XCTAssertEqual(b, a, accuracy: floor + 1e-5 * abs(a), "\(fixtureCase) mask \(i)")
        }
        // Re-asking an old mask after others must give the same bits.
        XCTAssertEqual(fast.evaluate(masks[5]), fast.evaluate(masks[5]))
        // At a step boundary the state is canonical: a fresh evaluator agrees bit for bit,
        // on that mask and on the trials that follow it (removal chains use running sums).
        fast.stepFinished(masks[17])
        let again = IncrementalEvaluator(setup: setup)
        XCTAssertEqual(again.evaluate(masks[17]), fast.evaluate(masks[17]), "fresh vs canonicalised evaluator must agree bit for bit")
        var next = masks[17]
        for e in next.indices.reversed() where next[e] && setup.graph.edges[e].type == .addition {
            next[e] = false
            XCTAssertEqual(again.evaluate(next), fast.evaluate(next), "trial after a step boundary, edge \(e)")
            if next.filter({ !$0 }).count > masks[17].filter({ !$0 }).count + 5 { break }
        }
    }

    /// Every Hugging Face architecture (`Tests/Fixtures/hf-arch/`): the fixture
    /// tokens as clean rows, the same rows rotated by one as corrupted, KL at
    /// two positions (one past every sliding window); gemma2 and olmo2
    /// exercise the post-attention norm that couples a layer's heads.
    func testEveryHuggingFaceArchitecture() throws {
        // Logits here reach ~20 (ulp 1.9e-6), so last-ulp differences between the
        // evaluators' BLAS kernels move KL by up to ~1e-7: floor 5e-7.
        for (i, name) in hfArchCases.enumerated() {
            let (model, experiment) = try hfArchExperiment(name)
            let zero = i % 2 == 1   // alternate resample / zero ablation to keep the test short
            try check(model: model, experiment: experiment, label: name + (zero ? " (zero ablation)" : ""), metric: nil,
                      zero: zero, floor: 5e-7)
        }
    }

    func testTinyGPT2KL() throws { try check("tiny-gpt2", metric: "kl_div", zero: false, floor: 5e-8) }
    func testTinyGPT2LogitDiffZero() throws { try check("tiny-gpt2", metric: "logit_diff", zero: true, floor: 1e-6) }
    func testTracrReverse() throws { try check("tracr-reverse", metric: nil, zero: false, floor: 1e-9) }
    func testTracrProportionZero() throws { try check("tracr-proportion", metric: nil, zero: true, floor: 1e-9) }

    /// Shortformer attention-only model (as attn-only-4l): positions enter the
    /// q and k inputs but not v, so the evaluator may share a layer-normalised
    /// head input between q and k of any head, never with v.
    func testShortformerAttentionOnlyRandomModel() throws {
        let c = ModelConfig(nLayers: 2, dModel: 32, nHeads: 4, dHead: 8, dMLP: nil, dVocab: 40, nCtx: 16,
                            attnOnly: true, positionalEmbedding: .shortformer)
        var rng = SplitMix(s: 7)
        func uniform() -> Float { Float(rng.next() >> 40) / Float(1 << 24) * 2 - 1 }
        var tensors = InMemoryTensors(origin: "random shortformer model")
        func add(_ name: String, _ shape: [Int], scale: Float = 0.3, centre: Float = 0) {
            tensors.tensors[name] = WeightTensor(copying: (0..<shape.reduce(1, *)).map { _ in centre + scale * uniform() }, shape: shape)
        }
        add("embed.W_E", [c.dVocab, c.dModel]); add("pos_embed.W_pos", [c.nCtx, c.dModel])
        for l in 0..<c.nLayers {
            add("blocks.\(l).ln1.w", [c.dModel], scale: 0.1, centre: 1); add("blocks.\(l).ln1.b", [c.dModel], scale: 0.1)
            for x in ["Q", "K", "V"] { add("blocks.\(l).attn.W_\(x)", [c.nHeads, c.dModel, c.dHead]); add("blocks.\(l).attn.b_\(x)", [c.nHeads, c.dHead]) }
            add("blocks.\(l).attn.W_O", [c.nHeads, c.dHead, c.dModel]); add("blocks.\(l).attn.b_O", [c.dModel])
        }
        add("ln_final.w", [c.dModel], scale: 0.1, centre: 1); add("ln_final.b", [c.dModel], scale: 0.1)
        add("unembed.W_U", [c.dModel, c.dVocabOut]); add("unembed.b_U", [c.dVocabOut])
        let model = HookedTransformer(config: c, weights: try TransformerWeights.load(tensors, config: c), origin: tensors.origin)
        func batch() throws -> TokenBatch { try TokenBatch((0..<6).map { _ in (0..<8).map { _ in Int(rng.next() % 40) } }, origin: "random tokens") }
        let experiment = Experiment(name: "shortformer", model: "(random)", modelPath: "(random)", clean: try batch(),
                                    corrupted: try batch(), usePosEmbed: false,
                                    metrics: [(name: "kl_div", spec: .klDiv(.positions([7])))])
        // KL at the full graph is float noise around 0 (7e-8 literal, −3e-8 incremental: this
        // random model's logits are several times tiny-gpt2's), hence a wider floor.
        try check(model: model, experiment: experiment, label: "shortformer", metric: "kl_div", zero: false, floor: 2e-7)
    }
}

let hfArchCases = ["gpt2", "gpt2-hub-layout", "llama", "llama-bf16-tied-sharded", "qwen2", "mistral", "gpt_neox", "gpt_neox-sequential",
                   "gemma2", "gemma2-legacy", "phi3", "olmo2"]

/// A small experiment on an hf-arch fixture model: its token rows as clean,
/// the rows rotated by one as corrupted, KL divergence at positions 7 and T−1.
func hfArchExperiment(_ name: String) throws -> (HookedTransformer, Experiment) {
    let dir = fixture("hf-arch/" + name)
    let model = try HookedTransformer.load(directory: dir)
    let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/tokens.json"))) as! [[Int]]
    let corrupted = Array(rows[1...] + rows[..<1])
    let T = rows[0].count
    let experiment = Experiment(name: "hf-arch-" + name, model: dir, modelPath: dir,
                                clean: try TokenBatch(rows, origin: name), corrupted: try TokenBatch(corrupted, origin: name),
                                usePosEmbed: false, metrics: [(name: "kl_div", spec: .klDiv(.positions([7, T - 1])))])
    return (model, experiment)
}
