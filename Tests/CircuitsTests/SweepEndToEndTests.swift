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

    func run(_ args: [String], cwd: String? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try acdc())
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
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
