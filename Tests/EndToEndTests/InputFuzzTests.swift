import ACDC
import Foundation
import Kernels
import XCTest
import TestSupport
import Transformer

/// Issue 15's fuzz test: a few hundred seeded mutations of the tracr-reverse
/// experiment file, its model's config.json and its model.safetensors.
/// Every input goes through the engine in process, as `acdc run` drives it
/// (load, set up, search with the per-step NaN check) on a watchdog, which
/// must end in an error or a finite metric, never hang; every eighth also
/// through the `acdc` executable (`run`, and `eval` for some) as a child
/// process, which must not crash (no signal), not hang (a timeout kills it),
/// and either refuse in one line with exit 1 or exit 0 with a finite metric —
/// never exit 0 with NaN or Inf. (Processes are few because each costs a
/// process start-up, a third of a second on a loaded 2-core machine.)
final class InputFuzzTests: XCTestCase {
    static let seed: UInt64 = 15
    static let cases = 300
    static let processEvery = 8
    static let workers = 3

    enum Target: String, CaseIterable { case experiment, config, safetensors }

    struct Case { let index: Int; let target: Target; let mutation: String; let dir: String; let eval: Bool }

    func testMutatedInputsNeverCrashHangOrPassWithANonFiniteMetric() throws {
        let scratch = Scratch(prefix: "acdc-fuzz")
        let base = ACDCProcess.fixture("tracr-reverse")
        let experiment = try Data(contentsOf: URL(fileURLWithPath: base + "/experiment.json"))
        let config = try Data(contentsOf: URL(fileURLWithPath: base + "/model/config.json"))
        let weights = [UInt8](try Data(contentsOf: URL(fileURLWithPath: base + "/model/model.safetensors")))
        let edges = scratch.file("edges.json")
        try FileManager.default.copyItem(atPath: repoRoot + "/tasks/tracr-reverse/ground_truth.json", toPath: edges)

        var rng = SplitMix64(seed: Self.seed)
        var cases: [Case] = []
        for i in 0..<Self.cases {
            let target = Target.allCases[i % Target.allCases.count]
            let dir = scratch.file("case-\(i)")
            try FileManager.default.createDirectory(atPath: dir + "/model", withIntermediateDirectories: true)
            var e = experiment, c = config, w = weights
            let what: String
            switch target {
            case .experiment: what = Mutator.json(&e, &rng)
            case .config: what = Mutator.json(&c, &rng)
            case .safetensors: what = Mutator.safetensors(&w, &rng)
            }
            try e.write(to: URL(fileURLWithPath: dir + "/experiment.json"))
            try c.write(to: URL(fileURLWithPath: dir + "/model/config.json"))
            try Data(w).write(to: URL(fileURLWithPath: dir + "/model/model.safetensors"))
            cases.append(Case(index: i, target: target, mutation: what, dir: dir, eval: i % (3 * Self.processEvery) == 0))
        }
        let inProcess = try engineOutcomes(cases)

        /// Outcomes gathered from the worker threads.
        final class Collector: @unchecked Sendable {
            let lock = NSLock()
            var outcomes: [(Case, String, ACDCProcess.Outcome)] = []
            var error: Error?
            func add(_ c: Case, _ name: String, _ r: Result<ACDCProcess.Outcome, Error>) {
                lock.lock(); defer { lock.unlock() }
                switch r { case .success(let o): outcomes.append((c, name, o)); case .failure(let e): error = e }
            }
        }
        let collector = Collector()
        let allCases = cases, workDir = scratch.path, workers = Self.workers
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for k in stride(from: worker * Self.processEvery, to: allCases.count, by: workers * Self.processEvery) {
                let c = allCases[k]
                var commands: [(String, [String])] = [("run", ["run", "--experiment", c.dir + "/experiment.json", "--threshold", "0.01",
                                                              "--out", c.dir + "/run", "--quiet", "--json"])]
                if c.eval { commands.append(("eval", ["eval", "--experiment", c.dir + "/experiment.json", "--edges", edges, "--json"])) }
                for (name, args) in commands {
                    collector.add(c, name, Result { try ACDCProcess.run(args, directory: workDir, timeout: 30) })
                }
            }
        }
        if let e = collector.error { throw e }
        let outcomes = collector.outcomes

        var finished = [Target: Int](), refused = [Target: Int]()
        for (c, command, o) in outcomes {
            let what = "case \(c.index) (\(c.target.rawValue): \(c.mutation)), acdc \(command)"
            XCTAssertFalse(o.timedOut, "\(what): hung")
            XCTAssertFalse(o.signaled, "\(what): crashed: \(o)")
            if o.timedOut || o.signaled { continue }
            if o.status == 0 {
                let j = try? JSONValue.parse(Array(o.stdout.utf8))
                let metric = command == "run" ? j?["final_metric"]?.double : j?["value"]?.double
                XCTAssertTrue(metric?.isFinite == true, "\(what): exit 0 without a finite metric: \(o.stdout)")
                if command == "run" { finished[c.target, default: 0] += 1 }
            } else {
                XCTAssertEqual(o.status, 1, "\(what): \(o)")
                XCTAssertEqual(o.stderrLines.count, 1, "\(what): want a one-line error: \(o.stderr)")
                if command == "run" { refused[c.target, default: 0] += 1 }
            }
        }
        let summary = Target.allCases.map { t in
            "\(t.rawValue): in process \(inProcess.finished[t, default: 0]) finished / \(inProcess.refused[t, default: 0]) refused, "
                + "as processes \(finished[t, default: 0]) / \(refused[t, default: 0])"
        }
        print("fuzz (seed \(Self.seed), \(Self.cases) inputs, \(outcomes.count) acdc processes): " + summary.joined(separator: "; "))
    }

    /// Runs every case through the engine in this process (what `acdc run`
    /// does between parsing and writing files), each on a thread with a
    /// 20-second watchdog: a hang fails the test instead of blocking it.
    func engineOutcomes(_ cases: [Case]) throws -> (finished: [Target: Int], refused: [Target: Int]) {
        final class Box: @unchecked Sendable { var result: Result<Double, Error>? }
        var finished = [Target: Int](), refused = [Target: Int]()
        for c in cases {
            let box = Box(), done = DispatchSemaphore(value: 0)
            let path = c.dir + "/experiment.json"
            let t = Thread {
                box.result = Result { try InputFuzzTests.runEngine(experiment: path) }
                done.signal()
            }
            t.stackSize = 8 << 20
            t.start()
            guard done.wait(timeout: .now() + 20) == .success, let result = box.result else {
                XCTFail("case \(c.index) (\(c.target.rawValue): \(c.mutation)): the engine hung")
                continue
            }
            switch result {
            case .success(let metric):
                XCTAssertTrue(metric.isFinite, "case \(c.index) (\(c.target.rawValue): \(c.mutation)): finished with metric \(metric)")
                finished[c.target, default: 0] += 1
            case .failure(let e):
                XCTAssertFalse("\(e)".contains("\n"), "case \(c.index): multi-line error \(e)")
                refused[c.target, default: 0] += 1
            }
        }
        return (finished, refused)
    }

    /// Load, set up and search as `acdc run` does, stopping on a non-finite metric.
    static func runEngine(experiment path: String) throws -> Double {
        let exp = try Experiment.load(path: path)
        let model: HookedTransformer
        do { model = try HookedTransformer.load(directory: exp.modelPath) } catch let e as ModelError { throw ACDCError(e.message) }
        let setup = try EvaluationSetup(model: model, experiment: exp, metric: nil, zeroAblation: false)
        let run = try ACDCRun(evaluator: IncrementalEvaluator(setup: setup), options: ACDCOptions(threshold: 0.01, metric: setup.metricName))
        var seen = 0
        try run.run(onStep: { r in
            if let e = r.nonFiniteMetric(sinceTrace: seen) { throw e }
            seen = r.state.trace.count
        })
        return run.state.currentMetric
    }
}

/// Seeded mutations of the input files.
enum Mutator {
    static func pick<T>(_ xs: [T], _ rng: inout SplitMix64) -> T { xs[rng.below(xs.count)] }

    /// JSON values that are wrong in interesting ways.
    static var values: [Any] { [NSNull(), true, false, 0, -1, 1, 2, 7, 4.5, -0.0, 1e-40, 1e300, -1e300, "", "LN", "yes", "kl_div",
                                [Any](), [1], [[1]], ["a": 1] as [String: Any], [String: Any]()] }

    /// A structural mutation of a JSON object file (or, one time in six, a byte flip).
    static func json(_ data: inout Data, _ rng: inout SplitMix64) -> String {
        if rng.below(6) == 0 {
            var bytes = [UInt8](data)
            let i = rng.below(bytes.count), b = UInt8(rng.below(256))
            bytes[i] = b
            data = Data(bytes)
            return "byte \(i) := \(b)"
        }
        guard var object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return "unparsable base" }
        var keys = object.keys.sorted()
        var path = ""
        // Descend into a nested object sometimes (metrics, a metric body).
        var parents: [(String, [String: Any])] = []
        while let k = keys.isEmpty ? nil : pick(keys, &rng), let inner = object[k] as? [String: Any], !inner.isEmpty, rng.below(2) == 0 {
            parents.append((k, object)); object = inner; keys = inner.keys.sorted(); path += k + "."
        }
        let description: String
        switch rng.below(5) {
        case 0 where !keys.isEmpty:
            let k = pick(keys, &rng); object[k] = nil; description = "delete \(path)\(k)"
        case 1:
            let k = "fuzz_\(rng.below(100))"; object[k] = pick(values, &rng); description = "add \(path)\(k)"
        case 2 where !keys.isEmpty:
            // Perturb a list element or a number in place.
            let k = pick(keys, &rng)
            if var list = object[k] as? [Any], !list.isEmpty {
                let i = rng.below(list.count)
                list[i] = pick(values + [-5, 5, 1 << 40], &rng)
                object[k] = list
                description = "\(path)\(k)[\(i)] := …"
            } else {
                object[k] = pick(values, &rng); description = "\(path)\(k) := …"
            }
        default:
            guard !keys.isEmpty else { return "empty object" }
            let k = pick(keys, &rng), v = pick(values, &rng)
            object[k] = v
            description = "\(path)\(k) := \(v)"
        }
        while let (k, parent) = parents.popLast() {
            var p = parent; p[k] = object; object = p
        }
        data = (try? JSONSerialization.data(withJSONObject: object)) ?? data
        return description
    }

    static func safetensors(_ bytes: inout [UInt8], _ rng: inout SplitMix64) -> String {
        let headerLength = Int(bytes[0..<8].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        switch rng.below(6) {
        case 0:
            let i = 8 + rng.below(headerLength), b = UInt8(rng.below(256))
            bytes[i] = b
            return "header byte \(i) := \(b)"
        case 1, 2:
            // A special float in the data region.
            let specials: [Float] = [.nan, .infinity, -.infinity, .greatestFiniteMagnitude, 1e30, -1e30]
            let v = pick(specials, &rng)
            let floats = (bytes.count - 8 - headerLength) / 4
            let i = 8 + headerLength + 4 * rng.below(max(floats, 1))
            withUnsafeBytes(of: v.bitPattern.littleEndian) { for (k, b) in $0.enumerated() where i + k < bytes.count { bytes[i + k] = b } }
            return "float at \(i) := \(v)"
        case 3:
            let n = rng.below(bytes.count)
            bytes.removeLast(bytes.count - n)
            return "truncated to \(n) bytes"
        case 4:
            let delta = pick([-8, -1, 1, 8, 1 << 20], &rng)
            var len = UInt64(max(0, headerLength + delta)).littleEndian
            withUnsafeBytes(of: &len) { for (k, b) in $0.enumerated() { bytes[k] = b } }
            return "header length \(delta > 0 ? "+" : "")\(delta)"
        default:
            let n = 1 + rng.below(16)
            bytes += [UInt8](repeating: UInt8(rng.below(256)), count: n)
            return "\(n) bytes appended"
        }
    }
}
