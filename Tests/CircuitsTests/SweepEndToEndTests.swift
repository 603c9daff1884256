import XCTest
import TestSupport
@testable import ACDC
@testable import Circuits

/// `acdc sweep` (and a few `acdc export` / `acdc eval` calls) through the
/// built executable, as a user runs them.
final class SweepEndToEndTests: XCTestCase {
    func acdc() throws -> String {
        guard let found = acdcExecutable else {
            XCTFail("acdc executable not found (looked at \(acdcExecutableCandidates.joined(separator: ", "))); run `swift build` first or set ACDC_EXECUTABLE")
            throw ACDCError("acdc executable missing")
        }
        return found
    }

    struct Output { let status: Int32; let stdout: String; let stderr: String }

    /// `env`: variables to set (a nil value removes one) over this process's environment.
    func run(_ args: [String], cwd: String? = nil, env: [String: String?] = [:]) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try acdc())
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        if !env.isEmpty {
            var e = ProcessInfo.processInfo.environment
            for (k, v) in env { e[k] = v }
            p.environment = e
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func modificationDate(_ path: String) throws -> Date {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
    }

    func testSweepTwoThresholdsThenSkip() throws {
        let tmp = try temporaryDirectory(self)
        let out = tmp + "/sweep"
        let args = ["sweep", "--experiment", fixture("tracr-reverse/experiment.json"), "--thresholds", "0.001,0.1",
                    "--zero-ablation", "--jobs", "2", "--out", out, "--canonical", fixture("tracr-reverse/ground_truth.json")]
        let first = try run(args)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("0 finished already (skipped), 0 to resume, 2 to run, 2 at a time"), first.stderr)
        XCTAssertTrue(first.stderr.contains("[2/2] thr-"), first.stderr)

        let expected = try ExpectedRun.all(in: "tracr-reverse").filter { $0.options.zeroAblation }
        let csv = try String(contentsOfFile: out + "/summary.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(csv[0], ["threshold", "status", "edges", "edges_total", "final_metric", "evaluations", "seconds",
                                "edge_tp", "edge_fp", "edge_tpr", "edge_fpr", "node_tpr", "node_fpr"])
        XCTAssertEqual(csv.count, 3)
        XCTAssertEqual(csv.dropFirst().map { $0[0] }, ["0.001", "0.1"])
        for row in csv.dropFirst() {
            let t = Double(row[0])!
            let ref = try XCTUnwrap(expected.first { $0.options.threshold == t })
            XCTAssertEqual(row[1], "finished")
            XCTAssertEqual(Int(row[2]), ref.countNoEdges, "thr \(t) edges")
            XCTAssertEqual(row[3], "106")
            // Same float32 rounding bound as the fixture trace comparisons (2e-5 relative or 2e-7 absolute).
            XCTAssertEqual(Double(row[4])!, ref.finalMetric, accuracy: max(2e-7, 2e-5 * abs(ref.finalMetric)))
            let recovered = Set(ref.presentEdges.map { EdgeName(parsing: $0)!.key })
            let canonical = Set(try EdgeList.load(path: fixture("tracr-reverse/ground_truth.json")).map(\.edge.key))
            XCTAssertEqual(Int(row[7]), recovered.intersection(canonical).count, "true positives")
        }
        let md = try String(contentsOfFile: out + "/summary.md", encoding: .utf8)
        XCTAssertTrue(md.contains("| threshold | status | edges |"))
        XCTAssertTrue(md.contains("edge AUC: "), md)
        let svg = try String(contentsOfFile: out + "/plot.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains("<svg") && svg.contains("ROC vs canonical circuit") && svg.hasSuffix("</svg>\n"))
        for t in ["0.001", "0.1"] { XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/logs/thr-\(t).log")) }

        // Re-running skips both finished runs: nothing is started, nothing rewritten.
        let resultPath = out + "/thr-0.001/result.json", logPath = out + "/logs/thr-0.001.log"
        let before = try modificationDate(resultPath), logBefore = try String(contentsOfFile: logPath, encoding: .utf8)
        let second = try run(args + ["--json"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("2 finished already (skipped), 0 to resume, 0 to run"), second.stderr)
        XCTAssertFalse(second.stderr.contains("[1/2]"), "no run may be started: \(second.stderr)")
        XCTAssertEqual(try modificationDate(resultPath), before)
        XCTAssertEqual(try String(contentsOfFile: logPath, encoding: .utf8), logBefore)
        let j = try JSONValue.parse(Array(second.stdout.utf8))
        XCTAssertEqual(j["runs"]?.array?.count, 2)
        XCTAssertNotNil(j["edge_auc"]?.double)

        // The same directory with other options is refused, in one line.
        var other = args; other.removeAll { $0 == "--zero-ablation" }
        let refused = try run(other)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("finished with other options: zero_ablation true (sweep: false)"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count, 1, refused.stderr)

        // The exported circuit evaluates to the run's final metric through the CLI too.
        let edges = try run(["export", out + "/thr-0.001", "--format", "edges"])
        XCTAssertEqual(edges.status, 0, edges.stderr)
        let edgeFile = tmp + "/circuit.txt"
        try edges.stdout.write(toFile: edgeFile, atomically: true, encoding: .utf8)
        let eval = try run(["eval", "--experiment", fixture("tracr-reverse/experiment.json"), "--edges", edgeFile, "--zero-ablation", "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let ej = try JSONValue.parse(Array(eval.stdout.utf8))
        XCTAssertEqual(ej["edges"]?.int, 15)
        XCTAssertEqual(ej["value"]?.double ?? .nan, Double(csv[1][4])!, accuracy: 2e-7)
    }

    /// A sweep re-run resumes an interrupted run (killed with SIGKILL after 3
    /// steps) with `acdc resume`, ending with the circuit, trace and metric of
    /// an uninterrupted run.
    func testSweepResumesInterruptedRun() throws {
        let tmp = try temporaryDirectory(self)
        let out = tmp + "/sweep", exp = fixture("tracr-reverse/experiment.json")
        let killed = try run(["run", "--experiment", exp, "--threshold", "0.001", "--out", out + "/thr-0.001",
                              "--debug-kill-after-steps", "3", "--quiet"])
        XCTAssertEqual(killed.status, 9, "the run should have been killed by SIGKILL: \(killed.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/thr-0.001/result.json"))
        let sweep = try run(["sweep", "--experiment", exp, "--thresholds", "0.001,0.1", "--out", out])
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
        XCTAssertTrue(sweep.stderr.contains("0 finished already (skipped), 1 to resume, 1 to run"), sweep.stderr)
        let fresh = try run(["run", "--experiment", exp, "--threshold", "0.001", "--out", tmp + "/fresh", "--quiet"])
        XCTAssertEqual(fresh.status, 0, fresh.stderr)
        let a = try RunRecord.load(path: out + "/thr-0.001/result.json"), b = try RunRecord.load(path: tmp + "/fresh/result.json")
        for key in ["present_edges", "evaluation_trace", "final_metric", "effect_sizes", "finished"] {
            XCTAssertEqual(a[key]?.serialized(), b[key]?.serialized(), "resumed sweep run differs in \(key)")
        }
    }

    /// Without Graphviz on PATH, png/svg export fails with one clear line (no crash).
    func testRenderingWithoutGraphvizIsAOneLineError() throws {
        let tmp = try temporaryDirectory(self)
        let made = try run(["run", "--experiment", fixture("tracr-reverse/experiment.json"), "--threshold", "0.001",
                            "--zero-ablation", "--out", tmp + "/run", "--quiet"])
        XCTAssertEqual(made.status, 0, made.stderr)
        for format in ["png", "svg"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try acdc())
            p.arguments = ["export", tmp + "/run", "--format", format]
            p.environment = ["PATH": tmp + "/no-tools"]
            let err = Pipe()
            p.standardError = err; p.standardOutput = Pipe()
            try p.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationReason, .exit, "\(format): must exit, not crash")
            XCTAssertNotEqual(p.terminationStatus, 0, "\(format): must fail")
            let lines = text.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, text)
            XCTAssertTrue(text.contains("dot") || text.contains("Graphviz"), text)
        }
    }

    func testFailedRunsAreReported() throws {
        let tmp = try temporaryDirectory(self)
        let r = try run(["sweep", "--experiment", fixture("tracr-reverse/experiment.json"), "--thresholds", "0.1",
                         "--metric", "no_such_metric", "--out", tmp + "/sw"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("[1/1] thr-0.1: FAILED: exit 1: Error: ") && r.stderr.contains("no metric 'no_such_metric'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Error: 1 of 1 runs not finished (thr-0.1: failed)"), r.stderr)
        let csv = try String(contentsOfFile: tmp + "/sw/summary.csv", encoding: .utf8)
        XCTAssertTrue(csv.contains("\n0.1,failed,"), csv)
    }

    func summaryStatuses(_ sweepDir: String) throws -> [String] {
        try String(contentsOfFile: sweepDir + "/summary.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { String($0.split(separator: ",", omittingEmptySubsequences: false)[1]) }
    }

    /// A stand-in `sbatch` in its own PATH directory: prints `stderr`, exits 1.
    func failingSbatch(in dir: String, stderr: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        try "#!/bin/sh\necho \"$0 $*\" >> \(dir)/bin/calls\necho '\(stderr)' >&2\nexit 1\n".write(toFile: dir + "/bin/sbatch", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/bin/sbatch")
        return dir + "/bin:/usr/bin:/bin"
    }

    /// --slurm --no-submit writes a job array over the unfinished thresholds
    /// only (with the --sbatch options, CPUs per task from the run's threads, the
    /// sweep directory's % escaped) and prints the commands; every array task
    /// updates the summary; with every run finished nothing is submitted.
    func testSlurmScriptCoversOnlyUnfinishedThresholds() throws {
        let tmp = try temporaryDirectory(self)
        let out = tmp + "/sw 50%"
        let base = ["sweep", "--experiment", fixture("tracr-reverse/experiment.json"), "--thresholds", "0.001,0.01,0.1",
                    "--zero-ablation", "--out", out]
        let task = try run(base + ["--array-index", "1", "--quiet"])
        XCTAssertEqual(task.status, 0, task.stderr)
        XCTAssertEqual(try summaryStatuses(out), ["missing", "finished", "missing"], "an array task updates the summary")

        let plan = try run(base + ["--slurm", "--no-submit", "--sbatch", "--partition=cpu --time=0:30:00", "--sbatch=--mem=2G", "--json"])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let j = try JSONValue.parse(Array(plan.stdout.utf8))
        XCTAssertEqual(j["indices"]?.array?.compactMap(\.int), [0, 2])
        XCTAssertEqual(j["submit"]?.string, "sbatch --partition=cpu --time=0:30:00 --mem=2G '\(out)/sweep.slurm'")
        let script = try String(contentsOfFile: out + "/sweep.slurm", encoding: .utf8)
        XCTAssertTrue(script.contains("#SBATCH --array=0,2\n"), script)
        XCTAssertTrue(script.contains("#SBATCH --cpus-per-task=\(EvaluationSetup.maxThreads)\n"), script)
        XCTAssertTrue(script.contains("#SBATCH --output='\(tmp)/sw 50%%/logs/slurm-%A_%a.out'\n"), script)
        let text = try run(base + ["--slurm", "--no-submit", "--sbatch", "--partition=cpu"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("a job array over the 2 unfinished of 3 thresholds (1 finished already). Submit it with:\n"
                                           + "  sbatch --partition=cpu '\(out)/sweep.slurm'\n"), text.stdout)

        for i in [0, 2] { XCTAssertEqual(try run(base + ["--array-index", "\(i)", "--quiet"]).status, 0) }
        XCTAssertEqual(try summaryStatuses(out), ["finished", "finished", "finished"])
        // Nothing left to run: no sbatch call (this one would fail), the summary is written.
        let path = try failingSbatch(in: tmp, stderr: "sbatch: error: must not be called")
        try FileManager.default.removeItem(atPath: out + "/summary.csv")
        let done = try run(base + ["--slurm"], env: ["PATH": path])
        XCTAssertEqual(done.status, 0, done.stderr)
        XCTAssertTrue(done.stderr.contains("all 3 runs finished already; nothing to submit"), done.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/bin/calls"), "sbatch was called")
        XCTAssertEqual(try summaryStatuses(out), ["finished", "finished", "finished"])
    }

    /// sbatch present but failing (here: no controller answering; a missing
    /// SLURM_CONF file is caught before sbatch would retry it for a minute):
    /// one line saying what happened and how to get the scripts without submitting.
    func testSlurmSubmissionFailureIsOneLine() throws {
        let tmp = try temporaryDirectory(self)
        let args = ["sweep", "--experiment", fixture("tracr-reverse/experiment.json"), "--thresholds", "0.1", "--out", tmp + "/sw", "--slurm"]
        let path = try failingSbatch(in: tmp, stderr: "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)")
        let r = try run(args, env: ["PATH": path, "SLURM_CONF": nil])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("Error: \(tmp)/sw/sweep.slurm not submitted: no Slurm controller reachable (sbatch failed (exit 1): "
                                         + "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure))"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--no-submit writes the scripts and prints the sbatch commands without submitting"), r.stderr)
        let noConf = try run(args, env: ["PATH": path, "SLURM_CONF": tmp + "/none.conf"])
        XCTAssertNotEqual(noConf.status, 0)
        XCTAssertEqual(noConf.stderr.split(separator: "\n").count, 1, noConf.stderr)
        XCTAssertTrue(noConf.stderr.contains("SLURM_CONF=\(tmp)/none.conf: no such file") && noConf.stderr.contains("--no-submit"), noConf.stderr)
        let misplaced = try run(["sweep", "--experiment", "e.json", "--thresholds", "0.1", "--out", tmp + "/x", "--sbatch", "--time=1:00"])
        XCTAssertNotEqual(misplaced.status, 0)
        XCTAssertTrue(misplaced.stderr.contains("--sbatch and --no-submit go with --slurm"), misplaced.stderr)
    }

    func testCommandErrorsAreOneLine() throws {
        let tmp = try temporaryDirectory(self)
        for (args, message) in [
            (["export", tmp + "/missing"], "Error: \(tmp)/missing: no such run directory"),
            (["export", tmp], "Error: \(tmp)/result.json: missing"),
            (["sweep", "--experiment", "e.json", "--thresholds", "log:1:2", "--out", tmp + "/s"], "Error: --thresholds 'log:1:2': expected log:START:END:COUNT"),
        ] {
            let r = try run(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.hasPrefix(message), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)")
        }
    }
}
