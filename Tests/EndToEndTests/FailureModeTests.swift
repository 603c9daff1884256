import ACDC
import Foundation
import XCTest
import TestSupport

/// Issue 15 §2, §4, §5 as a user meets them: NaN/Inf models, a full disk,
/// `show` of a run whose result.json is missing, negative thresholds, and
/// option combinations refused before any model is loaded.
final class FailureModeTests: XCTestCase {
    let experiment = ACDCProcess.fixture("tracr-reverse/experiment.json")

    /// tracr-reverse with its model copied beside it and `poison` written
    /// into the first value of `tensor` (by rewriting the float bytes).
    func poisonedCopy(_ scratch: Scratch, tensor: String, value: Float) throws -> String {
        let dir = try scratch.copyFixture("tracr-reverse")
        let path = dir + "/model/model.safetensors"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let n = Int(bytes[0..<8].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try JSONValue.parse(Array(bytes[8..<(8 + n)]))
        let start = try XCTUnwrap(header[tensor]?["data_offsets"]?.array?.first?.int)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { for (i, b) in $0.enumerated() { bytes[8 + n + start + i] = b } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return dir + "/experiment.json"
    }

    func testNaNWeightStopsRunAndEvalNamingTheHook() throws {
        let scratch = Scratch()
        let exp = try poisonedCopy(scratch, tensor: "blocks.1.attn.W_V", value: .nan)
        let run = try ACDCProcess.run(["run", "--experiment", exp, "--threshold", "0.01", "--out", scratch.sub("run"), "--quiet"])
        ACDCProcess.assertRefused(run, mentioning: ["blocks.1.attn.hook_v", "layer 1", "not finite"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.sub("run/result.json")))
        let edges = scratch.sub("edges.txt")
        try "".write(toFile: edges, atomically: true, encoding: .utf8)
        let eval = try ACDCProcess.run(["eval", "--experiment", exp, "--edges", edges])
        ACDCProcess.assertRefused(eval, mentioning: ["blocks.1.attn.hook_v", "not finite"])
    }

    func testInfEmbeddingStopsTheRun() throws {
        let scratch = Scratch()
        let exp = try poisonedCopy(scratch, tensor: "embed.W_E", value: .infinity)
        let run = try ACDCProcess.run(["run", "--experiment", exp, "--threshold", "0.01", "--out", scratch.sub("run"), "--quiet"])
        ACDCProcess.assertRefused(run, mentioning: ["hook_embed", "not finite"])
    }

    func testShowDoesNotListAMissingResult() throws {
        let scratch = Scratch()
        let dir = scratch.sub("run")
        XCTAssertTrue(try ACDCProcess.run(["run", "--experiment", experiment, "--threshold", "0.01", "--out", dir, "--quiet"]).exitedCleanly)
        try FileManager.default.removeItem(atPath: dir + "/result.json")
        let show = try ACDCProcess.run(["show", dir])
        XCTAssertTrue(show.exitedCleanly, "\(show)")
        XCTAssertFalse(show.stdout.contains("\(dir)/result.json"), show.stdout)
        XCTAssertTrue(show.stdout.contains("missing"), show.stdout)
        // resume writes it.
        XCTAssertTrue(try ACDCProcess.run(["resume", dir, "--quiet"]).exitedCleanly)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/result.json"))
    }

    /// A nearly full file system: every write failure is a one-line error and
    /// a normal exit, never SIGSEGV in HDF5's teardown. Needs root (mount).
    func testFullDiskIsAnErrorNotACrash() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to mount a small tmpfs") }
        let scratch = Scratch()
        let mountPoint = scratch.sub("fs")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        func mount(_ size: String) throws -> Bool {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/mount")
            p.arguments = ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", mountPoint]
            p.standardError = FileHandle.nullDevice
            try p.run(); p.waitUntilExit()
            return p.terminationStatus == 0
        }
        func unmount() throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/umount")
            p.arguments = [mountPoint]
            try p.run(); p.waitUntilExit()
        }
        let tiny = ACDCProcess.fixture("tiny-gpt2/experiment.json")
        let finished = scratch.sub("finished")
        XCTAssertTrue(try ACDCProcess.run(["run", "--experiment", tiny, "--threshold", "0.01", "--out", finished, "--quiet"]).exitedCleanly)
        var failures = 0
        for size in ["8k", "16k", "24k", "40k", "60k"] {
            guard try mount(size) else { throw XCTSkip("cannot mount tmpfs here") }
            defer { try? unmount() }
            let run = try ACDCProcess.run(["run", "--experiment", tiny, "--threshold", "0.01", "--out", mountPoint + "/r", "--quiet"])
            XCTAssertFalse(run.signaled, "size \(size): \(run)")
            if !run.exitedCleanly {
                failures += 1
                ACDCProcess.assertRefused(run, mentioning: ["No space left on device"])
                let show = try ACDCProcess.run(["show", mountPoint + "/r"])
                XCTAssertFalse(show.signaled, "\(show)")
                XCTAssertFalse(show.stdout.contains("result:       \(mountPoint)/r/result.json"), show.stdout)
            }
            for format in ["hdf5", "json"] {
                let export = try ACDCProcess.run(["export", finished, "--format", format, "--output", mountPoint + "/big." + format])
                XCTAssertFalse(export.signaled, "\(format) at \(size): \(export)")
            }
        }
        XCTAssertGreaterThanOrEqual(failures, 3, "the small file systems should have filled up")
        // 8 KiB: too small even for an HDF5 export of the finished run.
        guard try mount("8k") else { throw XCTSkip("cannot mount tmpfs here") }
        defer { try? unmount() }
        let export = try ACDCProcess.run(["export", finished, "--format", "hdf5", "--output", mountPoint + "/c.h5"])
        ACDCProcess.assertRefused(export, mentioning: ["No space left on device"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mountPoint), [], "no temporary left behind")
    }

    // MARK: options (§5)

    func testNegativeThresholdParsesInBothForms() throws {
        let scratch = Scratch()
        for (i, args) in [["--threshold", "-0.01"], ["--threshold=-0.01"]].enumerated() {
            let o = try ACDCProcess.run(["run", "--experiment", experiment] + args + ["--out", scratch.sub("r\(i)"), "--json", "--quiet"])
            XCTAssertTrue(o.exitedCleanly, "\(o)")
            XCTAssertEqual(try JSONValue.parse(Array(o.stdout.utf8))["edges_kept"]?.int, 106)   // nothing is removed below a negative threshold
        }
        let resume = try ACDCProcess.run(["resume", scratch.sub("r0"), "--threshold", "-0.01", "--quiet"])
        XCTAssertTrue(resume.exitedCleanly, "\(resume)")
    }

    /// Combinations and non-finite thresholds are refused by argument
    /// validation, before any model is read (the model here is a FIFO, which
    /// would block a reader).
    func testOptionCombinationsAreRefusedBeforeAnyModelLoads() throws {
        let scratch = Scratch()
        let exp = try scratch.copyFixture("tracr-reverse") + "/experiment.json"
        let weights = scratch.sub("tracr-reverse/model/model.safetensors")
        try FileManager.default.removeItem(atPath: weights)
        XCTAssertEqual(mkfifo(weights, 0o600), 0)
        let cases: [([String], String)] = [
            (["run", "--experiment", exp, "--threshold", "0.01", "--zero-ablation", "--remove-redundant"], "--remove-redundant"),
            (["run", "--experiment", exp, "--threshold", "nan"], "--threshold"),
            (["run", "--experiment", exp, "--threshold", "inf"], "--threshold"),
            (["run", "--experiment", exp, "--task", "tracr-reverse", "--threshold", "0.01"], "--experiment"),
            (["sweep", "--experiment", exp, "--thresholds", "0.01", "--zero-ablation", "--remove-redundant", "--out", scratch.sub("s")], "--remove-redundant"),
            (["sweep", "--experiment", exp, "--thresholds", "0.01,nan", "--out", scratch.sub("s")], "nan"),
            (["eval", "--experiment", exp, "--task", "tracr-reverse", "--edges", exp], "--experiment"),
            (["eval", "--edges", exp], "--experiment"),
        ]
        for (args, needle) in cases {
            let o = try ACDCProcess.run(args, directory: scratch.path, timeout: 20)
            XCTAssertFalse(o.timedOut, "read the model before validating: \(args)")
            XCTAssertFalse(o.signaled, "\(o)")
            XCTAssertNotEqual(o.status, 0, "\(args): \(o)")
            XCTAssertTrue(o.stderr.contains(needle), "\(args): \(o)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.sub("s")), "the sweep created its directory before validating")
    }
}
