import Kernels
import Transformer

/// `acdc-bench forward`: plain-forward throughput of a GPT-2-small-shaped
/// model against raw OpenBLAS sgemm throughput, at each BLAS thread count,
/// measured in the same process.
///
/// The reference is sgemm on the MLP-in shape (B·T × d_mlp × d_model, 800 ×
/// 3072 × 768 by default), the largest share of the forward's FLOPs after the
/// unembedding. Reference and forward are timed alternately, round after
/// round, and each keeps its best round: on a machine shared with other
/// jobs both then see the same conditions, and the ratio is meaningful.
struct ForwardBenchmark {
    var batch = 50
    var seqLen = 16
    var layers = 12
    var runs = 5
    var threads = [1, 2]
    var seed: UInt64 = 1234
    var breakdown = false

    /// The other GEMM shapes (M×N×K) of one forward at B·T rows, reported for context.
    func otherShapes(_ c: ModelConfig) -> [(name: String, m: Int, n: Int, k: Int)] {
        let N = batch * seqLen, d = c.dModel, hd = c.nHeads * c.dHead
        return [("mlp out", N, d, c.dMLP ?? d), ("attn out", N, d, hd),
                ("q/k/v one head", N, c.dHead, d), ("unembed", N, c.dVocabOut, d)]
    }

    func run() throws {
        let c = RandomGPT2.config(layers: layers)
        print("building random GPT-2-small-shaped model: \(c.nLayers) layers, d_model \(c.dModel), \(c.nHeads) heads × \(c.dHead), d_mlp \(c.dMLP!), vocab \(c.dVocab)")
        let model = try RandomGPT2.make(config: c, seed: seed)
        let tokens = try RandomGPT2.tokens(rows: batch, seqLen: seqLen, vocab: c.dVocab, seed: seed + 1)
        let flops = forwardFLOPs(c, batch: batch, seq: seqLen)
        let N = batch * seqLen
        print("batch \(batch) × \(seqLen) = \(N) positions; \(format(flops / 1e9, 2)) GFLOP of matrix products per forward; best of \(runs) rounds")

        var summary: [String] = []
        for t in threads {
            BLASThreads.set(t)
            print("\n== OpenBLAS threads: \(BLASThreads.current)")
            let reference = GemmProblem(m: N, n: c.dMLP ?? c.dModel, k: c.dModel)
            var gemm = Timing.infinity, forward = Timing.infinity
            var logits: [Float] = []
            _ = reference.time() // warm-up: thread pool, page faults
            logits = model.logits(tokens)
            for _ in 0..<runs {
                gemm = gemm.best(reference.time())
                forward = forward.best(Timing.of { logits = model.logits(tokens) })
            }
            precondition(logits.allSatisfy(\.isFinite), "forward produced non-finite logits")
            let gemmRate = reference.flops / gemm.wall / 1e9
            let forwardRate = flops / forward.wall / 1e9
            let ratio = forwardRate / gemmRate
            print("  sgemm \(reference.m)x\(reference.n)x\(reference.k) (mlp in): \(format(gemmRate)) GFLOP/s")
            print("  forward: \(format(forward.wall, 3)) s = \(format(forwardRate)) GFLOP/s")
            print("  forward / sgemm: \(format(100 * ratio))% \(ratio >= 0.6 ? "(target ≥ 60% met)" : "(below the 60% target)")")
            if t == 1 {
                // Same ratio from CPU time, immune to other processes stealing the core.
                let cpuRatio = (flops / forward.cpu) / (reference.flops / gemm.cpu)
                print("  by CPU time: sgemm \(format(reference.flops / gemm.cpu / 1e9)) GFLOP/s, forward \(format(flops / forward.cpu / 1e9)) GFLOP/s, ratio \(format(100 * cpuRatio))%")
            }
            for s in otherShapes(c) {
                let p = GemmProblem(m: s.m, n: s.n, k: s.k)
                let best = (0..<runs).map { _ in p.time().wall }.min()!
                print("  sgemm \(s.name) \(s.m)x\(s.n)x\(s.k): \(format(p.flops / best / 1e9)) GFLOP/s")
            }
            if breakdown {
                var timer = PhaseTimer()
                _ = model.forward(tokens, hooks: &timer)
                let unembed = timer.sinceLastHook()
                print("  one forward: attention \(format(timer.attention, 3)) s, MLP \(format(timer.mlp, 3)) s, unembed \(format(unembed, 3)) s, other \(format(timer.other, 3)) s")
            }
            summary.append("threads \(t): forward \(format(forwardRate)) GFLOP/s, sgemm \(format(gemmRate)) GFLOP/s, forward/sgemm \(format(100 * ratio))%")
        }
        print("\nsummary")
        for line in summary { print("  " + line) }
    }
}

/// `C[m×n] = A[m×k]·B[k×n]` on random inputs, repeated so one timing covers
/// at least ~1 GFLOP (small shapes would otherwise be timer noise).
struct GemmProblem {
    let m: Int, n: Int, k: Int
    let a: [Float], b: [Float]
    let reps: Int

    init(m: Int, n: Int, k: Int) {
        self.m = m; self.n = n; self.k = k
        var rng = SplitMix64(seed: 99)
        a = (0..<(m * k)).map { _ in rng.symmetric(1) }
        b = (0..<(k * n)).map { _ in rng.symmetric(1) }
        reps = max(1, Int(1e9 / (2 * Double(m) * Double(n) * Double(k))))
    }

    var flops: Double { 2 * Double(m) * Double(n) * Double(k) * Double(reps) }

    /// Time of `reps` products.
    func time() -> Timing {
        var c = [Float](repeating: 0, count: m * n)
        return Timing.of { for _ in 0..<reps { sgemm(m, n, k, a: a, b: b, c: &c) } }
    }
}
