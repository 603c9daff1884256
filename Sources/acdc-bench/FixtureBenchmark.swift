import ACDC
import Foundation
import Kernels
import Transformer

/// `acdc-bench fixtures`: runs every reference fixture run (each
/// `expected/*.json` under the fixtures folder) as a whole `acdc run`
/// process with that run's options, and prints our seconds next to the
/// reference's `reference_seconds` and the ratio. Each run is repeated and
/// the fastest wall time kept; the process's own CPU time (user + system
/// of the child, from wait4) is shown too, since on a shared machine wall
/// time includes waiting for a core.
///
/// The engine column is the run's own `seconds` (result.json, best of the
/// repeats): model load + setup + search, the span the reference's
/// `reference_seconds` covers (without Python's and our process start).
/// The search's GFLOP/s (matrix-product FLOPs the evaluators did over the
/// search's wall time, from the same search run inside this process) is
/// printed next to 2-core sgemm on the model's MLP shape, measured here.
struct FixtureBenchmark {
    var fixtures = "Tests/Fixtures"
    var acdc = ".build/release/acdc"
    var repeats = 3

    struct Row { var name: String; var wall: Double; var cpu: Double; var engine: Double; var reference: Double; var evaluations: Int; var edgesMatch: Bool }

    func run() throws {
        guard FileManager.default.isExecutableFile(atPath: acdc) else { throw ACDCError("\(acdc): acdc executable not found (build it with scripts/setup)") }
        let fm = FileManager.default
        let cases = (try? fm.contentsOfDirectory(atPath: fixtures))?.sorted() ?? []
        var rows: [Row] = []
        let scratch = NSTemporaryDirectory() + "acdc-bench-\(getpid())"
        defer { try? fm.removeItem(atPath: scratch) }
        print(pad("run", 38) + pad("engine s", 10) + pad("ref s", 8) + pad("engine", 8) + pad("process", 9) + pad("cpu s", 8)
              + pad("ratio", 7) + pad("eval/s", 8) + pad("search", 15) + pad("sgemm2", 8) + "edges")
        print(pad("", 38) + pad("(result)", 10) + pad("", 8) + pad("ratio", 8) + pad("s", 9) + pad("", 8)
              + pad("", 7) + pad("(engine)", 8) + pad("GFLOP/s (ms)", 15) + pad("GFLOP/s", 8))
        for c in cases {
            let dir = "\(fixtures)/\(c)"
            guard fm.fileExists(atPath: "\(dir)/experiment.json"),
                  let runs = try? fm.contentsOfDirectory(atPath: "\(dir)/expected") else { continue }
            for r in runs.sorted() where r.hasSuffix(".json") {
                let expected = try RunRecord.load(path: "\(dir)/expected/\(r)")
                guard let o = expected["options"], let ref = expected["reference_seconds"]?.double else { continue }
                let options = try ACDCOptions(json: o) { ACDCError("\(dir)/expected/\(r): \($0)") }
                let args = ["run", "--experiment", "\(dir)/experiment.json"] + options.arguments
                    + ["--out", "\(scratch)/\(c)-\(r)", "--overwrite", "--json"]
                var best = (wall: Double.infinity, cpu: Double.infinity)
                var summary = JSONValue.null
                var engine = Double.infinity
                for _ in 0..<repeats {
                    let t = try runProcess(acdc, args)
                    best = (min(best.wall, t.wall), min(best.cpu, t.cpu))
                    summary = try JSONValue.parse(Array(t.stdout.utf8))
                    engine = min(engine, summary["seconds"]?.double ?? .infinity)
                }
                let evaluations = Int(summary["evaluations"]?.double ?? 0)
                let ours = try RunRecord.load(path: "\(scratch)/\(c)-\(r)/result.json")
                let match = sameEdges(ours: ours, expected: expected)
                let exp = try Experiment.load(path: "\(dir)/experiment.json")
                let inProcess = try InProcessBenchmark.measure(exp, options: options, repeats: repeats)
                let mc = try HookedTransformer.config(directory: exp.modelPath)
                let gemm = sgemmRate(m: exp.clean.rows * exp.clean.seqLen, n: mc.dMLP ?? mc.dModel, k: mc.dModel, threads: 2)
                let searchRate = inProcess.flops / inProcess.search.wall / 1e9
                let row = Row(name: "\(c)/\(r.dropLast(5))", wall: best.wall, cpu: best.cpu, engine: engine, reference: ref,
                              evaluations: evaluations, edgesMatch: match)
                rows.append(row)
                print(pad(row.name, 38) + pad(format(engine, 4), 10) + pad(format(ref, 2), 8) + pad(format(ref / engine, 0) + "x", 8)
                      + pad(format(row.wall, 3), 9) + pad(format(row.cpu, 3), 8) + pad(format(ref / row.wall, 0) + "x", 7)
                      + pad(format(Double(evaluations) / engine, 0), 8)
                      + pad("\(format(searchRate, 1)) (\(format(1000 * inProcess.search.wall, 1)))", 15) + pad(format(gemm, 1), 8)
                      + (match ? "same as reference" : "DIFFERENT"))
            }
        }
        let slow = rows.filter { $0.reference >= 2 }
        let worst = slow.map { $0.reference / $0.wall }.min() ?? .nan
        let worstEngine = slow.map { $0.reference / $0.engine }.min() ?? .nan
        print("\n\(rows.count) runs, \(rows.filter(\.edgesMatch).count) with the reference's edge set; "
              + "runs whose reference took >= 2 s: \(slow.count), smallest engine ratio \(format(worstEngine, 0))x "
              + (worstEngine >= 100 ? "(target >= 100x met)" : "(below the 100x target)")
              + ", \(format(worst, 0))x whole process")
    }

    /// Tracr fixtures list only the non-placeholder edges.
    func sameEdges(ours: JSONValue, expected: JSONValue) -> Bool {
        let mine = ours["present_edges"]?.array?.compactMap(\.string) ?? []
        if let all = expected["present_edges"]?.array?.compactMap(\.string) { return Set(mine) == Set(all) }
        guard let theirs = expected["present_edges_non_placeholder"]?.array?.compactMap(\.string) else { return false }
        return Set(mine.filter { !$0.hasSuffix("|PLACEHOLDER") }) == Set(theirs)
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    /// Runs a child process; wall seconds, the child's CPU seconds and its stdout.
    /// Spawned and reaped with posix_spawn/waitpid rather than Foundation's
    /// `Process`, whose `waitUntilExit` polls a run loop every 50 ms and so
    /// added up to 50 ms to each measured run.
    func runProcess(_ path: String, _ args: [String]) throws -> (wall: Double, cpu: Double, stdout: String) {
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ACDCError("pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var before = rusage(), after = rusage()
        getrusage(Int32(RUSAGE_CHILDREN.rawValue), &before)
        let t0 = DispatchTime.now().uptimeNanoseconds
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        close(fds[1])
        guard rc == 0 else { close(fds[0]); throw ACDCError("\(path): cannot start (\(String(cString: strerror(rc))))") }
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n > 0 { data += chunk[0..<n] } else if n == 0 || errno != EINTR { break }
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        getrusage(Int32(RUSAGE_CHILDREN.rawValue), &after)
        func secs(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        let cpu = secs(after.ru_utime) - secs(before.ru_utime) + secs(after.ru_stime) - secs(before.ru_stime)
        guard status == 0 else { throw ACDCError("\(path) \(args.joined(separator: " ")): exit status \(status)") }
        return (wall, cpu, String(decoding: data, as: UTF8.self))
    }
}
