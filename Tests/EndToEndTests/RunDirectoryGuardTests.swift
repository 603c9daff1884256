import ACDC
import Checkpoint
import Foundation
import XCTest
import TestSupport

/// Issue 15 §3: one writer per run directory, stops on SIGINT/SIGTERM that
/// leave a resumable checkpoint, no writing among a user's files, and a
/// default directory that names a stopped run instead of silently starting
/// `-2`. `ACDC_DEBUG_PAUSE_AFTER_STEPS` parks a run after N steps (its
/// checkpoint on disk) so a test can act while it is running.
final class RunDirectoryGuardTests: XCTestCase {
    let experiment = ACDCProcess.fixture("tracr-reverse/experiment.json")
    let pause = ["ACDC_DEBUG_PAUSE_AFTER_STEPS": "2"]

    func startPaused(_ args: [String], in dir: String, environment: [String: String]? = nil) throws -> ACDCProcess.Background {
        let p = try ACDCProcess.Background(args, directory: dir, environment: environment ?? pause)
        XCTAssertTrue(p.waitForStderr("debug pause"), "never paused: \(p.stderr)")
        return p
    }

    /// The present edges of a finished run directory.
    func presentEdges(_ dir: String) throws -> [String] {
        let j = try RunRecord.load(path: dir + "/result.json")
        return try XCTUnwrap(j["present_edges"]?.array).compactMap(\.string)
    }

    func testSecondProcessOnARunDirectoryStopsAtOnce() throws {
        let scratch = Scratch()
        let dir = scratch.sub("run")
        let first = try startPaused(["run", "--experiment", experiment, "--threshold", "0.001", "--out", dir], in: scratch.path)
        for args in [["run", "--experiment", experiment, "--threshold", "0.001", "--out", dir],
                     ["run", "--experiment", experiment, "--threshold", "0.001", "--out", dir, "--overwrite"],
                     ["resume", dir]] {
            let second = try ACDCProcess.run(args, directory: scratch.path, timeout: 30)
            ACDCProcess.assertRefused(second, mentioning: ["\(dir) is in use by process \(first.pid)"])
        }
        first.signal(SIGINT)
        let stopped = first.wait(timeout: 30)
        XCTAssertFalse(stopped.signaled, "\(stopped)")
        XCTAssertEqual(stopped.status, 130, "\(stopped)")
        XCTAssertTrue(stopped.stderr.contains("interrupted; resume with: acdc resume \(dir)"), stopped.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/result.json"))

        // The checkpoint left behind resumes to the uninterrupted run's circuit.
        let resumed = try ACDCProcess.run(["resume", dir, "--quiet"], directory: scratch.path)
        XCTAssertTrue(resumed.exitedCleanly, "\(resumed)")
        let reference = scratch.sub("reference")
        XCTAssertTrue(try ACDCProcess.run(["run", "--experiment", experiment, "--threshold", "0.001", "--out", reference, "--quiet"],
                                          directory: scratch.path).exitedCleanly)
        XCTAssertEqual(try presentEdges(dir), try presentEdges(reference))
    }

    /// Two `run --overwrite` with different thresholds started together on one
    /// directory: each finishes or is refused as "in use", and the directory
    /// always holds one run (checkpoint and result.json agree).
    func testConcurrentRunsNeverMixADirectory() throws {
        let scratch = Scratch()
        let dir = scratch.sub("run")
        let tiny = ACDCProcess.fixture("tiny-gpt2/experiment.json")
        var refusals = 0
        for _ in 0..<4 {
            let runs = try ["0.01", "0.02"].map { t in
                try ACDCProcess.Background(["run", "--experiment", tiny, "--threshold", t, "--out", dir, "--overwrite", "--quiet"],
                                           directory: scratch.path)
            }
            for o in runs.map({ $0.wait(timeout: 120) }) {
                XCTAssertFalse(o.signaled || o.timedOut, "\(o)")
                if o.status != 0 {
                    ACDCProcess.assertRefused(o, mentioning: ["\(dir) is in use by process"])
                    refusals += 1
                }
            }
            let result = try RunRecord.load(path: dir + "/result.json")
            let checkpoint = try CheckpointStore.read(from: dir + "/checkpoint.h5")
            XCTAssertEqual(result["options"]?["threshold"]?.double, checkpoint.options.threshold, "result.json and checkpoint.h5 of different runs")
        }
        print("concurrent runs: \(refusals) of 8 refused as in use")
    }

    func testSIGTERMCheckpointsAndExits143AlsoDuringResume() throws {
        let scratch = Scratch()
        let dir = scratch.sub("run")
        let run = try startPaused(["run", "--experiment", experiment, "--threshold", "0.001", "--out", dir], in: scratch.path)
        run.signal(SIGTERM)
        let o = run.wait(timeout: 30)
        XCTAssertEqual(o.status, 143, "\(o)")
        XCTAssertFalse(o.signaled)
        XCTAssertTrue(o.stderr.contains("interrupted; resume with: acdc resume \(dir)"), o.stderr)

        let resume = try startPaused(["resume", dir], in: scratch.path)
        resume.signal(SIGINT)
        let r = resume.wait(timeout: 30)
        XCTAssertEqual(r.status, 130, "\(r)")
        XCTAssertTrue(r.stderr.contains("interrupted; resume with: acdc resume \(dir)"), r.stderr)
        XCTAssertTrue(try ACDCProcess.run(["resume", dir, "--quiet"], directory: scratch.path).exitedCleanly)
    }

    func testOutRefusesADirectoryThatIsNotARunDirectory() throws {
        let scratch = Scratch()
        let foreign = scratch.sub("mine")
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: foreign + "/notes.txt"))
        for out in [foreign, "/"] {
            let o = try ACDCProcess.run(["run", "--experiment", experiment, "--threshold", "0.01", "--out", out, "--overwrite"],
                                        directory: scratch.path, timeout: 30)
            ACDCProcess.assertRefused(o, mentioning: [out, "not an acdc run directory"])
        }
        XCTAssertEqual(try String(contentsOfFile: foreign + "/notes.txt", encoding: .utf8), "keep me")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: foreign), ["notes.txt"])
        // An empty directory is fine.
        let empty = scratch.sub("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        XCTAssertTrue(try ACDCProcess.run(["run", "--experiment", experiment, "--threshold", "0.01", "--out", empty, "--quiet"],
                                          directory: scratch.path).exitedCleanly)
    }

    func testDefaultDirectoryNamesAStoppedRun() throws {
        let scratch = Scratch()
        let args = ["run", "--experiment", experiment, "--threshold", "0.01", "--quiet"]
        let killed = try ACDCProcess.run(args + ["--debug-kill-after-steps", "1"], directory: scratch.path)
        XCTAssertTrue(killed.killed, "\(killed)")
        let again = try ACDCProcess.run(args, directory: scratch.path)
        ACDCProcess.assertRefused(again, mentioning: ["runs/tracr-reverse-0.01", "unfinished run", "acdc resume runs/tracr-reverse-0.01"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.sub("runs/tracr-reverse-0.01-2")))
        // Resumed, the same command then takes -2 as before.
        XCTAssertTrue(try ACDCProcess.run(["resume", "runs/tracr-reverse-0.01", "--quiet"], directory: scratch.path).exitedCleanly)
        XCTAssertTrue(try ACDCProcess.run(args, directory: scratch.path).exitedCleanly)
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch.sub("runs/tracr-reverse-0.01-2/result.json")))
    }

    // MARK: sweeps

    /// The pids holding the run directories' locks under `sweepDir`.
    func childPIDs(_ sweepDir: String) -> [Int32] {
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: sweepDir)) ?? []
        return runs.filter { $0.hasPrefix("thr-") }.compactMap { name in
            (try? String(contentsOfFile: sweepDir + "/" + name + "/.lock", encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    func alive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        // A zombie (exited, not yet reaped by a dead parent's reaper) counts as gone.
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !stat.contains(") Z ")
    }

    func waitUntilGone(_ pids: [Int32], timeout: Double = 20) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end { if !pids.contains(where: alive) { return true }; usleep(50_000) }
        return false
    }

    func startPausedSweep(_ sweepDir: String, in scratch: String) throws -> (ACDCProcess.Background, [Int32]) {
        let sweep = try ACDCProcess.Background(["sweep", "--experiment", experiment, "--thresholds", "0.01,-0.01", "--jobs", "2",
                                                "--out", sweepDir], directory: scratch, environment: pause)
        let end = Date().addingTimeInterval(60)
        var pids: [Int32] = []
        while Date() < end {
            let logs = ((try? FileManager.default.contentsOfDirectory(atPath: sweepDir + "/logs")) ?? [])
                .compactMap { try? String(contentsOfFile: sweepDir + "/logs/" + $0, encoding: .utf8) }
            pids = childPIDs(sweepDir)
            if logs.count == 2 && logs.allSatisfy({ $0.contains("debug pause") }) && pids.count == 2 { break }
            usleep(50_000)
        }
        XCTAssertEqual(pids.count, 2, "children did not start: \(sweep.stderr)")
        return (sweep, pids)
    }

    func testSweepStopsItsChildrenOnSIGTERM() throws {
        let scratch = Scratch()
        let sweepDir = scratch.sub("sweep")
        let (sweep, pids) = try startPausedSweep(sweepDir, in: scratch.path)
        sweep.signal(SIGTERM)
        let o = sweep.wait(timeout: 30)
        XCTAssertEqual(o.status, 143, "\(o)")
        XCTAssertTrue(waitUntilGone(pids, timeout: 5), "children outlived the sweep")
        // Each child left a checkpoint; the same sweep again (no pause) finishes both, the negative threshold too.
        let again = try ACDCProcess.run(["sweep", "--experiment", experiment, "--thresholds", "0.01,-0.01", "--out", sweepDir, "--quiet"],
                                        directory: scratch.path)
        XCTAssertTrue(again.exitedCleanly, "\(again)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: sweepDir + "/thr--0.01/result.json"))
    }

    func testChildrenStopWhenTheSweepIsKilled() throws {
        let scratch = Scratch()
        let sweepDir = scratch.sub("sweep")
        let (sweep, pids) = try startPausedSweep(sweepDir, in: scratch.path)
        sweep.signal(SIGKILL)
        _ = sweep.wait(timeout: 10)
        XCTAssertTrue(waitUntilGone(pids), "children kept running after the sweep was killed")
        for name in ["thr-0.01", "thr--0.01"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: sweepDir + "/" + name + "/checkpoint.h5"))
        }
    }
}
