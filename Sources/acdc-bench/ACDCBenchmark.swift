import ACDC
import Foundation
import Kernels
import Transformer

/// `acdc-bench acdc`: a full ACDC run on a random GPT-2-shaped model (weights
/// generated here), KL at the last position. Two shapes:
///   gpt2-small  12 layers, d_model 768, 12 heads, d_mlp 3072, vocab 50257;
///               IOI-sized batch 50 x 16, threshold 3e-4 (issue 6)
///   4layer      4 layers, d_model 256, 8 heads, d_mlp 1024, vocab 1000;
///               20 x 12 tokens, threshold 1e-3, W_U scaled up until the
///               mean last-position entropy is at most 3 nats (issue 14)
/// Prints progress per node step and a summary: engine seconds (setup +
/// search), evaluations per second, the search's achieved GFLOP/s (useful
/// FLOPs of the recomputation over search time) next to the 2-core sgemm
/// GFLOP/s measured in the same process, and a `BENCH` line for scripts.
/// `--threads 1,2` runs the search once per search-thread count (the
/// results must agree bit for bit; the benchmark checks it).
struct ACDCBenchmark {
    var shape = "gpt2-small"
    var batch: Int?
    var seqLen: Int?
    var layers: Int?
    var seed: UInt64 = 1234
    var threshold: Double?
    /// Stop after this many seconds (0: run to the end) and extrapolate.
    var budget = 0.0
    var reference = false
    var threads = [ACDCRun.defaultSearchThreads]
    /// Confident shapes: the largest mean last-position entropy (nats) allowed.
    var entropy = 3.0

    struct Shape { var layers, dModel, heads, dMLP, vocab, batch, seqLen: Int; var threshold: Double; var confident: Bool }

    func resolved() throws -> Shape {
        var s: Shape
        switch shape {
        case "gpt2-small": s = Shape(layers: 12, dModel: 768, heads: 12, dMLP: 3072, vocab: 50257, batch: 50, seqLen: 16, threshold: 3e-4, confident: false)
        case "4layer": s = Shape(layers: 4, dModel: 256, heads: 8, dMLP: 1024, vocab: 1000, batch: 20, seqLen: 12, threshold: 1e-3, confident: true)
        default: throw ACDCError("--shape: expected gpt2-small or 4layer, got '\(shape)'")
        }
        if let layers { s.layers = layers }
        if let batch { s.batch = batch }
        if let seqLen { s.seqLen = seqLen }
        if let threshold { s.threshold = threshold }
        return s
    }

    func run() throws {
        let s = try resolved()
        let c = RandomGPT2.config(layers: s.layers, dModel: s.dModel, heads: s.heads, dMLP: s.dMLP, vocab: s.vocab)
        let clean = try RandomGPT2.tokens(rows: s.batch, seqLen: s.seqLen, vocab: c.dVocab, seed: seed + 1)
        let corrupted = try RandomGPT2.tokens(rows: s.batch, seqLen: s.seqLen, vocab: c.dVocab, seed: seed + 2)
        var model: HookedTransformer
        var note = ""
        if s.confident {
            let m = try RandomGPT2.confident(config: c, seed: seed, tokens: clean, entropy: entropy)
            model = m.model
            note = "; W_U x\(m.scale): mean last-position entropy \(format(m.entropy, 2)) nats (log vocab \(format(log(Double(c.dVocab)), 2)))"
        } else {
            model = try RandomGPT2.make(config: c, seed: seed)
        }
        let exp = Experiment(name: "random-\(shape)", model: "(random)", modelPath: "(random)", clean: clean,
                             corrupted: corrupted, usePosEmbed: false,
                             metrics: [(name: "kl_div", spec: .klDiv(.positions([s.seqLen - 1])))])
        print("random \(shape) model: \(s.layers) layers, d_model \(s.dModel), \(s.heads) heads, d_mlp \(s.dMLP), vocab \(s.vocab)\(note)")
        print("batch \(s.batch) x \(s.seqLen); KL at the last position; threshold \(s.threshold)")
        BLASThreads.set(1)
        var first: (trace: [EdgeEvaluation], present: [Bool])?
        var sequentialFLOPs: Double?
        for t in threads {
            let r = try search(model: model, experiment: exp, shape: s, threads: t)
            if let f = first {
                let same = f.present == r.run.state.present && f.trace.count == r.run.state.trace.count
                    && zip(f.trace, r.run.state.trace).allSatisfy { $0.edge == $1.edge && $0.removed == $1.removed
                        && $0.metricAfter.bitPattern == $1.metricAfter.bitPattern }
                print("  same trace, decisions and edges as the first run, bit for bit: \(same ? "yes" : "NO")")
                if !same { throw ACDCError("search with \(t) threads differs from the first run") }
            } else {
                first = (r.run.state.trace, r.run.state.present)
            }
            if t == 1 { sequentialFLOPs = r.flops }
            let useful = sequentialFLOPs ?? r.flops
            let gemm = sgemmRate(m: s.batch * s.seqLen, n: s.dMLP, k: s.dModel, threads: 2)
            let rate = useful / r.search / 1e9
            print("  search: \(format(useful / 1e9, 1)) GFLOP useful recomputation\(sequentialFLOPs == nil ? " (all trials, discarded guesses included)" : "") / \(format(r.search, 2)) s = \(format(rate, 1)) GFLOP/s; 2-core sgemm \(s.batch * s.seqLen)x\(s.dMLP)x\(s.dModel): \(format(gemm, 1)) GFLOP/s -> \(format(100 * rate / gemm, 0))%")
            let evals = r.run.state.trace.count
            print("BENCH shape=\(shape) threads=\(t) engine_s=\(format(r.engine, 3)) search_s=\(format(r.search, 3)) evaluations=\(evals) eval_per_s=\(format(Double(evals) / r.search, 1)) gflops=\(format(rate, 1)) sgemm2_gflops=\(format(gemm, 1)) edges=\(r.run.edgeCount) finished=\(r.finished)")
        }
    }

    struct Result { var run: ACDCRun; var engine: Double; var search: Double; var flops: Double; var finished: Bool }

    func search(model: HookedTransformer, experiment exp: Experiment, shape s: Shape, threads: Int) throws -> Result {
        let start = Date()
        let cpu0 = cpuSeconds()
        let setup = try EvaluationSetup(model: model, experiment: exp, metric: nil, zeroAblation: false)
        let evaluator: GraphEvaluator = reference ? ReferenceEvaluator(setup: setup) : IncrementalEvaluator(setup: setup)
        let run = try ACDCRun(evaluator: evaluator, options: ACDCOptions(threshold: s.threshold, metric: "kl_div"))
        run.searchThreads = threads
        let g = run.graph
        let tReady = Date().timeIntervalSince(start)
        print("\n== search threads \(threads): graph \(g.nodes.count) nodes, \(g.countEdges(setup.fullGraph)) edges; setup \(format(tReady, 2)) s")
        var lastPrint = Date()
        var stopped = false
        while !run.isFinished {
            run.step()
            let now = Date()
            let elapsed = now.timeIntervalSince(start)
            if now.timeIntervalSince(lastPrint) > 5 {
                lastPrint = now
                let evals = run.state.trace.count
                FileHandle.standardError.write(Data("  step \(run.state.cursor)/\(g.order.count): \(evals) evaluations, \(run.edgeCount) edges, \(format(elapsed, 1)) s, \(format(Double(evals) / elapsed, 1)) eval/s\n".utf8))
            }
            if budget > 0 && elapsed > budget { stopped = true; break }
        }
        let seconds = Date().timeIntervalSince(start)
        let cpu = cpuSeconds() - cpu0
        let evals = run.state.trace.count
        var flops = 0.0
        if let fast = evaluator as? IncrementalEvaluator {
            flops = fast.profile.flops + (run.speculativeEvaluator?.profile.flops ?? 0)
            print("  evaluator time: \(fast.profile)")
        }
        print("  \(stopped ? "stopped after budget" : "finished"): \(evals) edge evaluations; engine \(format(seconds, 2)) s (setup + search) = \(format(Double(evals) / seconds, 1)) eval/s; \(format(cpu, 1)) s CPU; kept \(run.edgeCount) edges; final metric \(run.state.currentMetric)")
        return Result(run: run, engine: seconds, search: seconds - tReady, flops: flops, finished: !stopped)
    }
}

/// GFLOP/s of sgemm on `m x n x k` with `threads` BLAS threads (best of 3), then back to 1 thread:
/// the machine's matrix-product rate the benchmarks print next to the search's.
func sgemmRate(m: Int, n: Int, k: Int, threads: Int) -> Double {
    BLASThreads.set(threads)
    defer { BLASThreads.set(1) }
    let p = GemmProblem(m: m, n: n, k: k)
    _ = p.time()
    var best = Timing.infinity
    for _ in 0..<3 { best = best.best(p.time()) }
    return p.flops / best.wall / 1e9
}

/// User + system CPU seconds of this process (all threads): on a shared
/// machine wall time depends on the neighbours, CPU time much less.
func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}
