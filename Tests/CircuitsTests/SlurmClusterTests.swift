import XCTest
import TestSupport
@testable import ACDC
@testable import Circuits

/// `acdc sweep --slurm` against a real Slurm: the single-node cluster of
/// `scripts/local-slurm`, which `scripts/test` brings up (when run as root)
/// and tears down, and whose slurm.conf it passes in ACDC_TEST_SLURM_CONF.
/// Without that variable these tests are skipped (with that reason shown).
///
/// To catch a run mid-way, the sweeps here run with ACDC_TEST_STEP_DELAY (a
/// testing aid: each step waits that long after its checkpoint; sbatch hands
/// the environment on to the tasks); the tests poll job states and
/// checkpoints, they never sleep a guessed time. A requeued job is held by
/// Slurm for about two minutes (its eligible time); the tests let it start two
/// seconds after the requeue instead (`release`), since slurmd refuses a job
/// credential issued in the same second as the revocation of the previous
/// attempt's ("Job credential revoked").
final class SlurmClusterTests: XCTestCase {
    var conf = ""
    let experiment = fixture("tracr-reverse/experiment.json")

    override func setUpWithError() throws {
        guard let c = ProcessInfo.processInfo.environment["ACDC_TEST_SLURM_CONF"], !c.isEmpty else {
            throw XCTSkip("no Slurm cluster: scripts/test (as root) starts one with scripts/local-slurm and sets ACDC_TEST_SLURM_CONF")
        }
        conf = c
    }

    struct Output { let status: Int32; let stdout: String; let stderr: String }

    /// Runs `tool args` with SLURM_CONF pointing at the test cluster (plus `env`).
    func run(_ tool: String, _ args: [String], env: [String: String] = [:]) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["SLURM_CONF"] = conf
        environment.merge(env) { $1 }
        p.environment = environment
        let dir = try temporaryDirectory(self, prefix: "acdc-slurm-io")
        _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
        p.standardOutput = out; p.standardError = err; p.standardInput = FileHandle.nullDevice
        try p.run(); p.waitUntilExit()
        try out.close(); try err.close()
        let text = { (f: String) in String(decoding: FileManager.default.contents(atPath: dir + "/" + f) ?? Data(), as: UTF8.self) }
        return Output(status: p.terminationStatus, stdout: text("out"), stderr: text("err"))
    }

    func acdc(_ args: [String], env: [String: String] = [:]) throws -> Output {
        try run(try XCTUnwrap(acdcExecutable, "acdc executable not found; run swift build"), args, env: env)
    }

    func scontrol(_ args: [String]) throws -> String {
        let tool = try XCTUnwrap(ExternalTools.find("scontrol"), "scontrol not on PATH")
        let o = try run(tool, args)
        XCTAssertEqual(o.status, 0, "scontrol \(args): \(o.stderr)")
        return o.stdout
    }

    /// JobState of each task of array job `id` (by task index) and of a plain job (key "").
    func states(_ id: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try scontrol(["-o", "show", "job", id]).split(separator: "\n") {
            var fields: [String: String] = [:]
            for word in line.split(separator: " ") {
                let kv = word.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
            }
            out[fields["ArrayTaskId"] ?? ""] = fields["JobState"]
        }
        return out
    }

    /// Polls `condition` every 0.2 s until it holds; fails after `timeout` s.
    func waitUntil(_ what: String, timeout: Double = 180, _ condition: () throws -> Bool) throws {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("timed out after \(timeout) s waiting for \(what)")
        throw ACDCError("timeout: \(what)")
    }

    static let ended: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"]

    func waitForState(_ id: String, task: String = "", _ wanted: Set<String>, timeout: Double = 180) throws {
        try waitUntil("job \(id) task '\(task)' in \(wanted.sorted())", timeout: timeout) {
            try states(id)[task].map(wanted.contains) ?? false
        }
    }

    /// Submits a sweep with --slurm; returns (array job, summary job, submitted indices).
    func submit(_ args: [String], env: [String: String] = [:]) throws -> (array: String, summary: String, indices: [Int]) {
        let o = try acdc(args + ["--slurm", "--json"], env: env)
        XCTAssertEqual(o.status, 0, o.stderr)
        let j = try JSONValue.parse(Array(o.stdout.utf8))
        let array = try XCTUnwrap(j["array_job"]?.string, o.stdout), summary = try XCTUnwrap(j["summary_job"]?.string, o.stdout)
        return (array, summary, (j["indices"]?.array ?? []).compactMap { $0.int })
    }

    /// Lets a requeued task start (nearly) at once instead of after Slurm's hold.
    func release(_ task: String) throws {
        _ = try scontrol(["update", "JobId=\(task)", "StartTime=now+2"])
    }

    /// The steps done of a run, from its checkpoint (`acdc show --json`); nil before the first.
    func stepsDone(_ runDir: String) throws -> Int? {
        guard FileManager.default.fileExists(atPath: runDir + "/checkpoint.h5") else { return nil }
        let o = try acdc(["show", runDir, "--json"])
        guard o.status == 0 else { return nil }      // a checkpoint being replaced: read it next round
        return try JSONValue.parse(Array(o.stdout.utf8))["steps_done"]?.int
    }

    /// What must match between two runs of the same threshold.
    func assertSameRun(_ dir: String, as reference: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try RunRecord.load(path: dir + "/result.json"), b = try RunRecord.load(path: reference + "/result.json")
        for key in ["present_edges", "evaluation_trace", "final_metric", "effect_sizes", "finished", "options"] {
            XCTAssertEqual(a[key]?.serialized(), b[key]?.serialized(), "\(dir) differs from \(reference) in \(key)", file: file, line: line)
        }
    }

    func summaryStatuses(_ sweepDir: String) throws -> [String] {
        try String(contentsOfFile: sweepDir + "/summary.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { String($0.split(separator: ",", omittingEmptySubsequences: false)[1]) }
    }

    /// A sweep on Slurm (sweep directory with a space and a `%`, one threshold
    /// already finished so only two are submitted, two tasks at once via
    /// --sbatch) ends with the circuits of a local sweep, a current summary and
    /// `acdc show` listing every run finished.
    func testSweepOnSlurmMatchesLocalSweep() throws {
        let tmp = try temporaryDirectory(self)
        let base = ["sweep", "--experiment", experiment, "--thresholds", "0.001,0.01,0.1", "--zero-ablation", "--quiet"]
        let local = try acdc(base + ["--jobs", "2", "--out", tmp + "/local"])
        XCTAssertEqual(local.status, 0, local.stderr)

        let out = tmp + "/sweep 100%"
        let first = try acdc(base + ["--out", out, "--array-index", "0"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try summaryStatuses(out), ["finished", "missing", "missing"], "an array task updates the summary")

        let job = try submit(base + ["--out", out, "--sbatch", "--cpus-per-task=1"])
        XCTAssertEqual(job.indices, [1, 2], "only the unfinished thresholds are submitted")
        XCTAssertTrue(try String(contentsOfFile: out + "/sweep.slurm", encoding: .utf8).contains("#SBATCH --array=1-2\n"))
        try waitForState(job.summary, Self.ended)
        XCTAssertEqual(try states(job.array), ["1": "COMPLETED", "2": "COMPLETED"])
        XCTAssertEqual(try states(job.summary), ["": "COMPLETED"])

        for t in ["0.001", "0.01", "0.1"] { try assertSameRun("\(out)/thr-\(t)", as: "\(tmp)/local/thr-\(t)") }
        XCTAssertEqual(try summaryStatuses(out), ["finished", "finished", "finished"])
        for i in 1...2 {
            let log = try String(contentsOfFile: "\(out)/logs/slurm-\(job.array)_\(i).attempt-0.out", encoding: .utf8)
            XCTAssertTrue(log.contains("0 finished already (skipped), 0 to resume, 1 to run"), log)
        }
        let show = try acdc(["show", out])
        XCTAssertEqual(show.status, 0, show.stderr)
        let lines = show.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, show.stdout)
        XCTAssertTrue(lines.allSatisfy { $0.contains("finished") }, show.stdout)

        // Everything finished: a re-submission submits nothing and writes the summary.
        let again = try acdc(base + ["--out", out, "--slurm"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.isEmpty, again.stdout)
    }

    /// A task cancelled mid-run stays interrupted (the summary job, which runs
    /// once the array has ended, says so); requeued, it resumes from its
    /// checkpoint in a new log, ends with the uninterrupted run's circuit, and
    /// brings the summary up to date.
    func testCancelledTaskResumesWhenRequeued() throws {
        let tmp = try temporaryDirectory(self)
        let args = ["sweep", "--experiment", experiment, "--thresholds", "0.001", "--quiet"]
        let reference = try acdc(["run", "--experiment", experiment, "--threshold", "0.001", "--out", tmp + "/reference", "--quiet"])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let out = tmp + "/sweep"
        let job = try submit(args + ["--out", out], env: ["ACDC_TEST_STEP_DELAY": "0.1"])
        let runDir = out + "/thr-0.001"
        try waitUntil("two steps of the run") { try (stepsDone(runDir) ?? 0) >= 2 }
        _ = try scontrol(["show", "job", job.array])         // still there
        let scancel = try XCTUnwrap(ExternalTools.find("scancel"))
        XCTAssertEqual(try run(scancel, [job.array + "_0"]).status, 0)
        try waitForState(job.array, task: "0", ["CANCELLED"])
        try waitForState(job.summary, Self.ended)
        XCTAssertFalse(FileManager.default.fileExists(atPath: runDir + "/result.json"), "the cancelled run must not have finished")
        XCTAssertEqual(try summaryStatuses(out), ["interrupted"])

        _ = try scontrol(["requeue", job.array + "_0"])
        try release(job.array + "_0")
        try waitForState(job.array, task: "0", ["COMPLETED"])
        try assertSameRun(runDir, as: tmp + "/reference")
        XCTAssertEqual(try summaryStatuses(out), ["finished"], "the last task's last attempt updates the summary")
        let second = try String(contentsOfFile: "\(out)/logs/slurm-\(job.array)_0.attempt-1.out", encoding: .utf8)
        XCTAssertTrue(second.contains("0 finished already (skipped), 1 to resume, 0 to run"), second)
        let firstLog = try String(contentsOfFile: "\(out)/logs/slurm-\(job.array)_0.attempt-0.out", encoding: .utf8)
        XCTAssertTrue(firstLog.contains("0 to resume, 1 to run"), firstLog)
        let slurmLog = try String(contentsOfFile: "\(out)/logs/slurm-\(job.array)_0.out", encoding: .utf8)
        XCTAssertTrue(slurmLog.contains("attempt 0 of task 0") && slurmLog.contains("CANCELLED") && slurmLog.contains("attempt 1 of task 0"), slurmLog)
    }

    /// A running task requeued (what preemption does: the task is signalled and
    /// queued again) resumes from its checkpoint and finishes identically.
    func testPreemptedTaskResumes() throws {
        let tmp = try temporaryDirectory(self)
        let reference = try acdc(["run", "--experiment", experiment, "--threshold", "0.01", "--zero-ablation",
                                  "--out", tmp + "/reference", "--quiet"])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let out = tmp + "/sweep"
        let job = try submit(["sweep", "--experiment", experiment, "--thresholds", "0.01", "--zero-ablation", "--quiet", "--out", out],
                             env: ["ACDC_TEST_STEP_DELAY": "0.1"])
        let runDir = out + "/thr-0.01"
        try waitUntil("two steps of the run") { try (stepsDone(runDir) ?? 0) >= 2 }
        _ = try scontrol(["requeue", job.array + "_0"])
        try waitForState(job.array, task: "0", ["PENDING"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: runDir + "/result.json"), "the run must have been stopped mid-way")
        try release(job.array + "_0")
        try waitForState(job.array, task: "0", ["COMPLETED"])
        try assertSameRun(runDir, as: tmp + "/reference")
        let second = try String(contentsOfFile: "\(out)/logs/slurm-\(job.array)_0.attempt-1.out", encoding: .utf8)
        XCTAssertTrue(second.contains("1 to resume"), second)
        try waitForState(job.summary, Self.ended)
        XCTAssertEqual(try summaryStatuses(out), ["finished"])
    }

    /// sbatch installed but no controller answering: one line that says so and
    /// how to get the scripts without submitting.
    func testUnreachableControllerIsOneLineError() throws {
        let tmp = try temporaryDirectory(self)
        // The test cluster's configuration with the controller on a port nothing
        // listens on, and a short message timeout so sbatch gives up in a second.
        let text = try String(contentsOfFile: conf, encoding: .utf8).split(separator: "\n")
            .map { $0.hasPrefix("SlurmctldPort=") ? "SlurmctldPort=9" : String($0) }.joined(separator: "\n") + "\nMessageTimeout=1\n"
        try text.write(toFile: tmp + "/slurm.conf", atomically: true, encoding: .utf8)
        let o = try acdc(["sweep", "--experiment", experiment, "--thresholds", "0.1", "--out", tmp + "/sweep", "--slurm"],
                         env: ["SLURM_CONF": tmp + "/slurm.conf"])
        XCTAssertNotEqual(o.status, 0)
        let lines = o.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, o.stderr)
        XCTAssertTrue(o.stderr.contains("no Slurm controller reachable") && o.stderr.contains("--no-submit"), o.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: tmp + "/sweep/sweep.slurm"))
    }
}
