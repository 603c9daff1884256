import ACDC
import Checkpoint
import Foundation
import XCTest
import TestSupport

/// `acdc show` on a run in progress, a finished run, a sweep directory, and
/// things that are neither.
final class ShowCommandTests: XCTestCase {
    private let experiment = ACDCProcess.fixture("tracr-reverse/experiment.json")

    func testRunInProgressAndFinished() throws {
        let scratch = Scratch()
        let dir = scratch.sub("run")
        let killed = try ACDCProcess.run(["run", "--experiment", experiment, "--threshold", "0.01", "--out", dir,
                                          "--quiet", "--debug-kill-after-steps", "4"])
        XCTAssertTrue(killed.killed, "\(killed)")
        let checkpoint = try CheckpointStore.read(from: dir + "/checkpoint.h5")

        let progress = try ACDCProcess.run(["show", dir, "--json"])
        XCTAssertTrue(progress.exitedCleanly, "\(progress)")
        let j = try JSONValue.parse(Array(progress.stdout.utf8))
        XCTAssertEqual(j["finished"]?.bool, false)
        XCTAssertEqual(j["experiment"]?.string, "tracr-reverse")
        XCTAssertEqual(j["steps_done"]?.int, checkpoint.state.cursor)
        XCTAssertEqual(j["node_count"]?.int, checkpoint.nodeCount)
        XCTAssertEqual(j["evaluations"]?.int, checkpoint.state.trace.count)
        XCTAssertEqual(j["metric"]?.double, checkpoint.state.currentMetric)
        XCTAssertEqual(j["options"]?["threshold"]?.double, 0.01)
        XCTAssertEqual(j["edges_total"]?.int, 106)

        let text = try ACDCProcess.run(["show", dir])
        XCTAssertTrue(text.exitedCleanly, "\(text)")
        XCTAssertTrue(text.stdout.contains("in progress, \(checkpoint.state.cursor)/\(checkpoint.nodeCount) nodes"), text.stdout)
        XCTAssertTrue(text.stdout.contains("threshold 0.01, metric l2"), text.stdout)

        XCTAssertTrue(try ACDCProcess.run(["resume", dir, "--quiet"]).exitedCleanly)
        let done = try JSONValue.parse(Array(try ACDCProcess.run(["show", dir, "--json"]).stdout.utf8))
        let result = try RunRecord.load(path: dir + "/result.json")
        XCTAssertEqual(done["finished"]?.bool, true)
        XCTAssertEqual(done["edges_kept"], result["edges_kept"])
        XCTAssertEqual(done["metric"], result["final_metric"])
        XCTAssertEqual(done["evaluations"], result["evaluations"])
        XCTAssertEqual(done["steps_done"], done["node_count"])
    }

    /// A sweep directory: one line (or JSON object) per run directory inside;
    /// other entries are ignored and a broken run is reported on its own line.
    func testSweepDirectory() throws {
        let scratch = Scratch()
        for threshold in ["0.01", "0.1"] {
            let outcome = try ACDCProcess.run(["run", "--experiment", experiment, "--threshold", threshold,
                                               "--out", scratch.sub("t\(threshold)"), "--quiet"])
            XCTAssertTrue(outcome.exitedCleanly, "\(outcome)")
        }
        try "threshold,edges\n".write(toFile: scratch.sub("summary.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: scratch.sub("not-a-run"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch.sub("broken"), withIntermediateDirectories: true)
        try Data("junk".utf8).write(to: URL(fileURLWithPath: scratch.sub("broken/checkpoint.h5")))

        let text = try ACDCProcess.run(["show", scratch.path])
        XCTAssertTrue(text.exitedCleanly, "\(text)")
        let lines = text.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, text.stdout)
        XCTAssertTrue(lines[0].hasPrefix("broken") && lines[0].contains("error:"), text.stdout)
        XCTAssertTrue(lines[1].hasPrefix("t0.01") && lines[1].contains("finished") && lines[1].contains("threshold 0.01"), text.stdout)
        XCTAssertTrue(lines[2].hasPrefix("t0.1") && lines[2].contains("threshold 0.1"), text.stdout)

        let json = try JSONValue.parse(Array(try ACDCProcess.run(["show", scratch.path, "--json"]).stdout.utf8))
        XCTAssertEqual(json.array?.count, 3)
        XCTAssertNotNil(json.array?[0]["error"]?.string)
        XCTAssertEqual(json.array?[2]["options"]?["threshold"]?.double, 0.1)
    }

    func testNeitherRunNorSweepIsAnError() throws {
        let scratch = Scratch()
        ACDCProcess.assertRefused(try ACDCProcess.run(["show", scratch.path]), mentioning: [scratch.path])
        ACDCProcess.assertRefused(try ACDCProcess.run(["show", scratch.sub("missing")]), mentioning: ["missing"])
    }
}
