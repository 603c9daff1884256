import ACDC
import Foundation
import Transformer

/// `acdc-bench acdc`: a full ACDC run on the GPT-2-small-shaped random model
/// (weights generated here) with an IOI-sized batch, KL at the last position,
/// as issue 6 specifies. Prints progress per node step and a summary with
/// total time and edge evaluations per second.
struct ACDCBenchmark {
    var batch = 50
    var seqLen = 16
    var layers = 12
    var seed: UInt64 = 1234
    var threshold = 3e-4   // keeps ~240 edges on the seed-1234 random model
    /// Stop after this many seconds (0: run to the end) and extrapolate.
    var budget = 0.0
    var reference = false

    func run() throws {
        let c = RandomGPT2.config(layers: layers)
        let model = try RandomGPT2.make(config: c, seed: seed)
        let clean = try RandomGPT2.tokens(rows: batch, seqLen: seqLen, vocab: c.dVocab, seed: seed + 1)
        let corrupted = try RandomGPT2.tokens(rows: batch, seqLen: seqLen, vocab: c.dVocab, seed: seed + 2)
        let exp = Experiment(name: "gpt2-small-random", model: "(random)", modelPath: "(random)", clean: clean,
                             corrupted: corrupted, usePosEmbed: false,
                             metrics: [(name: "kl_div", spec: .klDiv(.positions([seqLen - 1])))])
        let start = Date()
        let cpu0 = cpuSeconds()
        let setup = try EvaluationSetup(model: model, experiment: exp, metric: nil, zeroAblation: false)
        let tSetup = Date().timeIntervalSince(start)
        let evaluator: GraphEvaluator = reference ? ReferenceEvaluator(setup: setup) : IncrementalEvaluator(setup: setup)
        let tEvaluator = Date().timeIntervalSince(start)
        let run = try ACDCRun(evaluator: evaluator, options: ACDCOptions(threshold: threshold, metric: "kl_div"))
        let g = run.graph
        let tReady = Date().timeIntervalSince(start)
        print("GPT-2-small-shaped random model: \(layers) layers; batch \(batch) x \(seqLen); KL at the last position; threshold \(threshold)")
        print("graph: \(g.nodes.count) nodes, \(g.countEdges(setup.fullGraph)) edges; setup \(format(tReady, 2)) s wall, \(format(cpuSeconds() - cpu0, 2)) s CPU (corrupted + clean pass \(format(tSetup, 2)) s, evaluator \(format(tEvaluator - tSetup, 2)) s, full-graph evaluation \(format(tReady - tEvaluator, 2)) s)")
        var lastPrint = Date.distantPast
        var stopped = false
        while !run.isFinished {
            run.step()
            let now = Date()
            let elapsed = now.timeIntervalSince(start)
            if now.timeIntervalSince(lastPrint) > 5 || run.isFinished {
                lastPrint = now
                let evals = run.state.trace.count
                FileHandle.standardError.write(Data("  step \(run.state.cursor)/\(g.order.count): \(evals) evaluations, \(run.edgeCount) edges, \(format(elapsed, 1)) s, \(format(Double(evals) / elapsed, 1)) eval/s\n".utf8))
            }
            if budget > 0 && elapsed > budget { stopped = true; break }
        }
        let seconds = Date().timeIntervalSince(start)
        let cpu = cpuSeconds() - cpu0
        let evals = run.state.trace.count
        print("\(stopped ? "stopped after budget" : "finished"): \(evals) edge evaluations in \(format(seconds, 1)) s wall = \(format(Double(evals) / seconds, 1)) eval/s; \(format(cpu, 1)) s CPU (\(format(1000 * cpu / Double(max(evals, 1)), 1)) ms CPU per evaluation); kept \(run.edgeCount) edges; final metric \(run.state.currentMetric)")
        if let fast = evaluator as? IncrementalEvaluator { print("evaluator time: \(fast.profile)") }
        if !stopped {
            let verdict = seconds < 15 * 60 ? "meets" : "misses"
            print("full run: \(format(seconds / 60, 2)) min (\(verdict) the 15 min target); reference estimate 2.5 s x \(evals) evaluations = \(format(2.5 * Double(evals) / 3600, 1)) h -> ratio \(format(2.5 * Double(evals) / seconds, 0))x")
        }
    }
}

/// User + system CPU seconds of this process (all threads): on a shared
/// machine wall time depends on the neighbours, CPU time much less.
func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}
