import ACDC
import Dispatch
import Foundation
import Transformer

/// `acdc-bench inprocess`: one experiment's ACDC run repeated inside this
/// process, split into model load, evaluation setup and the search itself.
/// This is the engine alone, the same span the reference's
/// `reference_seconds` covers (its Python and PyTorch start-up are not in
/// them); the whole-process numbers of `fixtures` add process start (about
/// 25 ms of dynamic loading here), checkpoints and result files on top. It
/// also gives `perf record` a loop long enough to attribute.
struct InProcessBenchmark {
    var experiment = ""
    var options = ACDCOptions(threshold: 0.005, metric: "kl_div")
    var repeats = 20

    /// Best times (over the repeats) of each phase of one run, and what the last run found.
    struct Measurement {
        var load = Timing.infinity, setup = Timing.infinity, search = Timing.infinity
        var evaluations = 0, edges = 0
        var profile = ""
        /// Matrix-product FLOPs the evaluators did in the last search (both, on two cores).
        var flops = 0.0
        var byHook: [String: (count: Int, seconds: Double)] = [:]
        var total: Double { load.wall + setup.wall + search.wall }
    }

    static func measure(_ exp: Experiment, options: ACDCOptions, repeats: Int) throws -> Measurement {
        var out = Measurement()
        for _ in 0..<repeats {
            var model: HookedTransformer?
            var failure: Error?
            out.load = out.load.best(Timing.of {
                do { model = try HookedTransformer.load(directory: exp.modelPath) } catch { failure = error }
            })
            guard let model else { throw failure ?? ACDCError("\(exp.modelPath): cannot load the model") }
            var setup: EvaluationSetup?
            out.setup = out.setup.best(Timing.of {
                do { setup = try EvaluationSetup(model: model, experiment: exp, metric: options.metric,
                                                 zeroAblation: options.zeroAblation) } catch { failure = error }
            })
            guard let setup else { throw failure ?? ACDCError("evaluation setup failed") }
            var run: ACDCRun?
            var byHook: [String: (count: Int, seconds: Double)] = [:]
            out.search = out.search.best(Timing.of {
                do {
                    let r = try ACDCRun(evaluator: IncrementalEvaluator(setup: setup), options: options)
                    var last = DispatchTime.now().uptimeNanoseconds
                    try r.run(onEvaluation: { e in
                        let now = DispatchTime.now().uptimeNanoseconds
                        let hook = r.graph.nodes[r.graph.edges[e.edge].child].hookName
                        byHook[hook, default: (0, 0)].count += 1
                        byHook[hook, default: (0, 0)].seconds += Double(now - last) / 1e9
                        last = now
                    })
                    run = r
                } catch { failure = error }
            })
            guard let run else { throw failure ?? ACDCError("ACDC run failed") }
            out.evaluations = run.state.trace.count
            out.edges = run.edgeCount
            out.byHook = byHook
            if let fast = run.evaluator as? IncrementalEvaluator {
                out.profile = fast.profile.description(scale: 1000, unit: "ms")
                out.flops = fast.profile.flops + (run.speculativeEvaluator?.profile.flops ?? 0)
            }
        }
        return out
    }

    func run() throws {
        let exp = try Experiment.load(path: experiment)
        let r = try InProcessBenchmark.measure(exp, options: options, repeats: repeats)
        print("\(exp.name): threshold \(options.threshold), metric \(options.metric)\(options.zeroAblation ? ", zero ablation" : ""); best of \(repeats)")
        print("  model load  \(ms(r.load))")
        print("  setup       \(ms(r.setup))")
        print("  search      \(ms(r.search))  (\(r.evaluations) evaluations, \(format(1e6 * r.search.wall / Double(max(r.evaluations, 1)), 1)) µs each; \(r.edges) edges kept)")
        print("  total       \(format(1000 * r.total, 2)) ms")
        print("  last search: \(r.profile)")
        print("  last search by receiver hook (time since the previous evaluation):")
        for (hook, t) in r.byHook.sorted(by: { $0.value.seconds > $1.value.seconds }) {
            print("    \(hook): \(t.count) evaluations, \(format(1000 * t.seconds, 2)) ms, \(format(1e6 * t.seconds / Double(t.count), 1)) µs each")
        }
    }

    private func ms(_ t: Timing) -> String { "\(format(1000 * t.wall, 2)) ms wall, \(format(1000 * t.cpu, 2)) ms CPU" }
}
