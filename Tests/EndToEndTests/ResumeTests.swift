import ACDC
import Checkpoint
import Foundation
import Kernels
import XCTest
import TestSupport

/// A run killed with SIGKILL at any step and resumed (possibly killed again)
/// ends exactly like the uninterrupted run: same circuit, same trace, same
/// metric values bit for bit, same result.json apart from the wall time.
final class ResumeTests: XCTestCase {
    private let tracrReverse = ["--experiment", ACDCProcess.fixture("tracr-reverse/experiment.json"), "--threshold", "0.0001"]

    func testKillAfterEveryStepThenResumeMatchesUninterruptedRun() throws {
        let scratch = Scratch()
        let reference = try uninterrupted(tracrReverse, in: scratch)
        let nodeCount = reference.checkpoint.nodeCount

        // Step counts from 0 up: each run is killed right after writing its
        // N-th step checkpoint, until N exceeds the steps the run takes.
        var killedCursors: [Int] = []
        var n = 0
        while true {
            let dir = scratch.sub("killed-\(n)")
            let first = try ACDCProcess.run(["run"] + tracrReverse + ["--out", dir, "--quiet", "--debug-kill-after-steps", "\(n)"])
            if first.exitedCleanly { break }
            XCTAssertTrue(first.killed, "step \(n): \(first)")
            let cursor = try CheckpointStore.read(from: dir + "/checkpoint.h5").state.cursor
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/result.json"), "step \(n): result before the end")
            killedCursors.append(cursor)

            let resumed = try ACDCProcess.run(["resume", dir, "--quiet"])
            XCTAssertTrue(resumed.exitedCleanly, "resume after step \(n): \(resumed)")
            try assertSameRun(dir, as: reference, "killed after step \(n)")
            n += 1
            guard n < 200 else { return XCTFail("run never finished under the kill hook") }
        }
        // The kill points must span the run: the start, the middle, and the very
        // end (killed after the final checkpoint, before result.json).
        XCTAssertEqual(killedCursors.first, 0)
        XCTAssertTrue(killedCursors.contains { $0 > 0 && $0 < nodeCount / 2 }, "\(killedCursors)")
        XCTAssertTrue(killedCursors.contains { $0 >= nodeCount / 2 && $0 < nodeCount }, "\(killedCursors)")
        XCTAssertEqual(killedCursors.last, nodeCount, "last kill should follow the final checkpoint: \(killedCursors)")
        XCTAssertEqual(killedCursors, killedCursors.sorted())
    }

    /// Interruptions of the resumed session too, at seeded random points, on a
    /// GPT-2-shaped model with non-default options.
    func testRepeatedKillsAndResumesOnTinyGPT2() throws {
        let args = ["--experiment", ACDCProcess.fixture("tiny-gpt2/experiment.json"), "--threshold", "0.1",
                    "--metric", "logit_diff", "--abs-value-threshold", "--names-mode", "reverse"]
        let scratch = Scratch()
        let reference = try uninterrupted(args, in: scratch)
        var rng = SplitMix64(seed: 2024)
        for trial in 0..<2 {
            let dir = scratch.sub("trial-\(trial)")
            let firstKill = Int.random(in: 1...6, using: &rng)
            let run = try ACDCProcess.run(["run"] + args + ["--out", dir, "--quiet", "--debug-kill-after-steps", "\(firstKill)"])
            XCTAssertTrue(run.killed, "\(run)")
            var cursors = [try CheckpointStore.read(from: dir + "/checkpoint.h5").state.cursor]
            // Kill each resumed session after a few more steps until the run completes.
            while true {
                let more = Int.random(in: 1...12, using: &rng)
                let resumed = try ACDCProcess.run(["resume", dir, "--quiet", "--debug-kill-after-steps", "\(more)"])
                if resumed.exitedCleanly { break }
                XCTAssertTrue(resumed.killed, "\(resumed)")
                let cursor = try CheckpointStore.read(from: dir + "/checkpoint.h5").state.cursor
                XCTAssertGreaterThan(cursor, cursors.last!, "a resumed session must make progress")
                cursors.append(cursor)
                guard cursors.count < 100 else { return XCTFail("no progress: \(cursors)") }
            }
            XCTAssertGreaterThan(cursors.count, 2, "want several interruptions: \(cursors)")
            try assertSameRun(dir, as: reference, "trial \(trial), killed at cursors \(cursors)")
        }
    }

    func testResumingAFinishedRunPrintsItsSummary() throws {
        let scratch = Scratch()
        let reference = try uninterrupted(tracrReverse, in: scratch)
        let before = try Data(contentsOf: URL(fileURLWithPath: reference.dir + "/result.json"))
        let resumed = try ACDCProcess.run(["resume", reference.dir, "--json"])
        XCTAssertTrue(resumed.exitedCleanly, "\(resumed)")
        let summary = try JSONValue.parse(Array(resumed.stdout.utf8))
        XCTAssertEqual(summary["finished"]?.bool, true)
        XCTAssertEqual(summary["edges_kept"]?.int, reference.result["edges_kept"]?.int)
        XCTAssertEqual(summary["final_metric"]?.double, reference.result["final_metric"]?.double)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: reference.dir + "/result.json")), before,
                       "resuming a finished run must not rewrite it")
    }

    /// `acdc run` writes the experiment it used beside the checkpoint, so the
    /// original file is not needed to resume.
    func testResumeNeedsNoOriginalExperimentFile() throws {
        let scratch = Scratch()
        let reference = try uninterrupted(tracrReverse, in: scratch)
        let copy = try scratch.copyFixture("tracr-reverse")
        let dir = scratch.sub("run")
        let args = ["--experiment", copy + "/experiment.json", "--threshold", "0.0001"]
        let killed = try ACDCProcess.run(["run"] + args + ["--out", dir, "--quiet", "--debug-kill-after-steps", "3"])
        XCTAssertTrue(killed.killed, "\(killed)")
        try FileManager.default.removeItem(atPath: copy + "/experiment.json")
        let resumed = try ACDCProcess.run(["resume", dir, "--quiet"])
        XCTAssertTrue(resumed.exitedCleanly, "\(resumed)")
        let result = try RunRecord.load(path: dir + "/result.json")
        XCTAssertEqual(result["present_edges"], reference.result["present_edges"])
        XCTAssertEqual(result["evaluation_trace"], reference.result["evaluation_trace"])
    }

    func testRunRefusesToOverwriteARunWithoutOverwriteFlag() throws {
        let scratch = Scratch()
        let reference = try uninterrupted(tracrReverse, in: scratch)
        let again = try ACDCProcess.run(["run"] + tracrReverse + ["--out", reference.dir, "--quiet"])
        ACDCProcess.assertRefused(again, mentioning: [reference.dir, "acdc resume", "--overwrite"])
        let forced = try ACDCProcess.run(["run"] + tracrReverse + ["--out", reference.dir, "--quiet", "--overwrite"])
        XCTAssertTrue(forced.exitedCleanly, "\(forced)")
        try assertSameRun(reference.dir, as: reference, "overwritten run")
    }

    // MARK: helpers

    struct Reference {
        let dir: String
        let result: JSONValue
        let checkpoint: RunCheckpoint
    }

    private func uninterrupted(_ args: [String], in scratch: Scratch) throws -> Reference {
        let dir = scratch.sub("uninterrupted")
        let outcome = try ACDCProcess.run(["run"] + args + ["--out", dir, "--quiet"])
        XCTAssertTrue(outcome.exitedCleanly, "\(outcome)")
        let checkpoint = try CheckpointStore.read(from: dir + "/checkpoint.h5")
        XCTAssertTrue(checkpoint.finished)
        XCTAssertFalse(checkpoint.state.trace.isEmpty)
        XCTAssertTrue(checkpoint.state.trace.contains { $0.removed } && checkpoint.state.trace.contains { !$0.removed },
                      "the reference run should both keep and remove edges")
        return Reference(dir: dir, result: try RunRecord.load(path: dir + "/result.json"), checkpoint: checkpoint)
    }

    /// Same result.json apart from `seconds`, and the same final checkpoint
    /// state bit for bit (NaN effect sizes of untested edges included).
    private func assertSameRun(_ dir: String, as reference: Reference, _ what: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        func withoutSeconds(_ j: JSONValue) -> [(String, JSONValue)] { (j.objectPairs ?? []).filter { $0.0 != "seconds" } }
        let result = try RunRecord.load(path: dir + "/result.json")
        let got = withoutSeconds(result), want = withoutSeconds(reference.result)
        XCTAssertEqual(got.map(\.0), want.map(\.0), "\(what): result.json fields", file: file, line: line)
        for ((key, a), (_, b)) in zip(got, want) where a != b {
            XCTFail("\(what): result.json '\(key)' differs", file: file, line: line)
        }

        let c = try CheckpointStore.read(from: dir + "/checkpoint.h5")
        let r = reference.checkpoint
        XCTAssertTrue(c.finished, "\(what): not finished", file: file, line: line)
        XCTAssertEqual(c.state.present, r.state.present, "\(what): present edges", file: file, line: line)
        XCTAssertEqual(c.state.effectSize.map(\.bitPattern), r.state.effectSize.map(\.bitPattern),
                       "\(what): effect sizes", file: file, line: line)
        XCTAssertEqual(c.state.currentMetric.bitPattern, r.state.currentMetric.bitPattern, "\(what): metric", file: file, line: line)
        XCTAssertEqual(c.state.evaluations, r.state.evaluations, "\(what): evaluations", file: file, line: line)
        XCTAssertEqual(c.state.trace.count, r.state.trace.count, "\(what): trace length", file: file, line: line)
        for (i, (x, y)) in zip(c.state.trace, r.state.trace).enumerated() {
            guard x.edge == y.edge, x.removed == y.removed, x.metricBefore.bitPattern == y.metricBefore.bitPattern,
                  x.metricAfter.bitPattern == y.metricAfter.bitPattern, x.result.bitPattern == y.result.bitPattern else {
                return XCTFail("\(what): trace entry \(i) differs: \(x) vs \(y)", file: file, line: line)
            }
        }
        XCTAssertEqual(c.identity, r.identity, "\(what): identity", file: file, line: line)
        XCTAssertEqual(c.options, r.options, "\(what): options", file: file, line: line)
        XCTAssertEqual(c.edgeNames, r.edgeNames, "\(what): edge names", file: file, line: line)
    }
}
