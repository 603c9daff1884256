import ACDC
import Attribution
import Foundation
import Kernels
import Transformer

/// `acdc-bench attribution`: edge attribution against the EAP-IG library.
///
/// 1. tiny-gpt2 (the library fixture's case): every method, our best-of-N
///    wall time next to the library's timing recorded in the fixture.
/// 2. A 4-layer GPT-2-shaped random model (d_model 256, 4 heads of 64, d_mlp
///    1024, GPT-2 vocabulary; 20 × 12 tokens, KL at the last position): EAP,
///    EAP-IG-inputs and EAP-IG-activations (5 steps) against the library's
///    0.8 s, 2.7 s and 20 s on this machine (issue 12).
/// 3. `exact` on a 2-layer attention-only model with 8 heads (310 library
///    edges; d_model 512, d_head 64, 48262-token vocabulary, 20 × 12 tokens)
///    against the library's 75 s.
/// 4. Forward + backward throughput on the GPT-2-small shape (50 × 16
///    tokens, KL at the last position) against 2-core sgemm, in GFLOP/s.
struct AttributionBenchmark {
    var fixtures = "Tests/Fixtures"
    var repeats = 3
    var skipGPT2Small = false
    var threads = 2
    /// Run only this part: tiny, d256, exact or gpt2 (nil: all).
    var only: String? = nil
    func wants(_ part: String) -> Bool { only == nil || only == part }

    func best(_ n: Int, _ body: () throws -> Void) rethrows -> Double {
        var b = Double.infinity
        for _ in 0..<n { let t0 = DispatchTime.now().uptimeNanoseconds; try body(); b = min(b, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
        return b
    }

    func row(_ what: String, ours: Double, library: Double?) {
        let lib = library.map { format($0, 3) } ?? "-"
        let ratio = library.map { format($0 / ours, 1) + "x" } ?? "-"
        print("| \(what) | \(format(ours, 4)) | \(lib) | \(ratio) |")
    }

    func randomExperiment(_ model: HookedTransformer, rows: Int, seq: Int, seed: UInt64) throws -> Experiment {
        let clean = try RandomGPT2.tokens(rows: rows, seqLen: seq, vocab: model.config.dVocab, seed: seed)
        var ids = (0..<rows).map { clean.row($0) }
        var rng = SplitMix64(seed: seed + 7)
        for r in 0..<rows { for _ in 0..<4 { ids[r][rng.below(seq)] = rng.below(model.config.dVocab) } }
        return Experiment(name: "random", model: "", modelPath: model.origin, clean: clean,
                          corrupted: try TokenBatch(ids, origin: "random corrupted"), usePosEmbed: false,
                          metrics: [("kl_div", .klDiv(.positions([seq - 1])))])
    }

    func run() throws {
        print("| case | ours (s) | library (s) | speed-up |")
        print("|---|---:|---:|---:|")
        // 1. tiny-gpt2 against the fixture's own timings.
        if wants("tiny") {
        let exp = try Experiment.load(path: fixtures + "/tiny-gpt2/experiment.json")
        let model = try HookedTransformer.load(directory: exp.modelPath)
        for metric in ["kl", "logit_diff"] {
            for (file, method, steps) in [("EAP", AttributionMethod.eap, 0), ("EAP-IG-inputs-5", .eapIGInputs, 5),
                                          ("EAP-IG-inputs-30", .eapIGInputs, 30), ("EAP-IG-activations-5", .eapIGActivations, 5),
                                          ("clean-corrupted", .cleanCorrupted, 0), ("exact", .exact, 0)] {
                let path = fixtures + "/eap/tiny-gpt2/\(metric)-\(file).json"
                let j = try JSONValue.parse(Array(FileManager.default.contents(atPath: path) ?? Data()))
                let lib = j["timing"]?["attribute_seconds_best"]?.double
                BLASThreads.set(threads)
                let a = try EdgeAttribution(model: model, experiment: exp, metric: metric == "kl" ? "kl_div" : metric)
                let t = try best(repeats) { _ = try a.scores(method: method, igSteps: steps) }
                row("tiny-gpt2 \(metric) \(file)", ours: t, library: lib)
            }
        }
        }
        // 2. 4-layer GPT-2-shaped model.
        if wants("d256") {
        let c4 = ModelConfig(nLayers: 4, dModel: 256, nHeads: 4, dHead: 64, dMLP: 1024, dVocab: 50257, nCtx: 1024,
                             activation: .geluNew, normalization: .layerNorm)
        let m4 = try RandomGPT2.make(config: c4, seed: 42)
        let e4 = try randomExperiment(m4, rows: 20, seq: 12, seed: 5)
        for (name, method, lib) in [("EAP", AttributionMethod.eap, 0.8), ("EAP-IG-inputs-5", .eapIGInputs, 2.7),
                                    ("EAP-IG-activations-5", .eapIGActivations, 20.0)] {
            BLASThreads.set(threads)
            let a = try EdgeAttribution(model: m4, experiment: e4, metric: nil)
            let t = try best(repeats) { _ = try a.scores(method: method, igSteps: 5) }
            row("4-layer d256 (20x12) \(name)", ours: t, library: lib)
        }
        }
        // 3. exact on the 2-layer attention-only shape (310 edges).
        if wants("exact") {
        let ca = ModelConfig(nLayers: 2, dModel: 512, nHeads: 8, dHead: 64, dMLP: nil, dVocab: 48262, nCtx: 2048,
                             activation: .geluNew, normalization: .layerNorm, attnOnly: true)
        let ma = try RandomAttentionOnly.make(config: ca, seed: 43)
        let ea = try randomExperiment(ma, rows: 20, seq: 12, seed: 6)
        let aa = try EdgeAttribution(model: ma, experiment: ea, metric: nil)
        precondition(aa.graph.edges.count == 310)
        let te = try best(repeats) { _ = try aa.scores(method: .exact, igSteps: 0) }
        row("2-layer attn-only, 310 edges, exact", ours: te, library: 75)
        }

        // 4. forward + backward throughput on GPT-2 small.
        guard !skipGPT2Small && wants("gpt2") else { return }
        BLASThreads.set(threads)
        let cs = RandomGPT2.config()
        let ms = try RandomGPT2.make(config: cs, seed: 44)
        let es = try randomExperiment(ms, rows: 50, seq: 16, seed: 7)
        let runner = try LossGradient(model: ms, clean: es.clean, spec: es.metrics[0].spec, metricName: "kl_div")
        let reference = GemmProblem(m: 800, n: 3072, k: 768)
        var gemm = Timing.infinity
        _ = reference.time()
        _ = runner.run(es.corrupted)
        var fb = Double.infinity
        for _ in 0..<repeats {
            gemm = gemm.best(reference.time())
            fb = min(fb, seconds { _ = runner.run(es.corrupted) })
        }
        let flops = forwardBackwardFLOPs(cs, batch: 50, seq: 16, unembeddedRows: runner.unembedRows.count)
        let rate = flops / fb / 1e9, gemmRate = reference.flops / gemm.wall / 1e9
        print("\nGPT-2 small (50 x 16, KL at the last position): forward + backward \(format(fb, 3)) s, "
              + "\(format(flops / 1e9, 1)) GFLOP = \(format(rate)) GFLOP/s; 2-thread sgemm 800x3072x768: \(format(gemmRate)) GFLOP/s; "
              + "ratio \(format(100 * rate / gemmRate))% (target >= 60%)")
    }
}

/// A random attention-only model (GPT-2-style LayerNorm, standard positions).
enum RandomAttentionOnly {
    static func make(config c: ModelConfig, seed: UInt64) throws -> HookedTransformer {
        var rng = SplitMix64(seed: seed)
        var tensors = InMemoryTensors(origin: "random attention-only (seed \(seed))")
        func add(_ name: String, _ shape: [Int], around centre: Float = 0, halfWidth: Float = 0.035) {
            let n = shape.reduce(1, *)
            tensors.tensors[name] = WeightTensor(copying: (0..<n).map { _ in centre + rng.symmetric(halfWidth) }, shape: shape)
        }
        let d = c.dModel, H = c.nHeads, dh = c.dHead
        add("embed.W_E", [c.dVocab, d]); add("pos_embed.W_pos", [c.nCtx, d])
        for l in 0..<c.nLayers {
            add("blocks.\(l).ln1.w", [d], around: 1, halfWidth: 0.1); add("blocks.\(l).ln1.b", [d])
            for x in ["Q", "K", "V"] { add("blocks.\(l).attn.W_\(x)", [H, d, dh]); add("blocks.\(l).attn.b_\(x)", [H, dh]) }
            add("blocks.\(l).attn.W_O", [H, dh, d]); add("blocks.\(l).attn.b_O", [d])
        }
        add("ln_final.w", [d], around: 1, halfWidth: 0.1); add("ln_final.b", [d])
        add("unembed.W_U", [d, c.dVocabOut]); add("unembed.b_U", [c.dVocabOut])
        return HookedTransformer(config: c, weights: try TransformerWeights.load(tensors, config: c), origin: tensors.origin)
    }
}
