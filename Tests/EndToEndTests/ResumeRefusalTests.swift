import ACDC
import Checkpoint
import Foundation
import Kernels
import XCTest

/// `acdc resume` refuses, with one line and a normal non-zero exit, anything
/// that would splice two different computations into one run: other options,
/// a changed model, a changed experiment, a damaged checkpoint.
final class ResumeRefusalTests: XCTestCase {
    /// A run of a private copy of tracr-reverse, killed after 3 steps.
    private func interruptedRun(_ scratch: Scratch, extra: [String] = []) throws -> (dir: String, fixture: String) {
        let fixture = try scratch.copyFixture("tracr-reverse")
        let dir = scratch.sub("run")
        let outcome = try ACDCProcess.run(["run", "--experiment", fixture + "/experiment.json", "--threshold", "0.01",
                                           "--out", dir, "--quiet", "--debug-kill-after-steps", "3"] + extra)
        XCTAssertTrue(outcome.killed, "\(outcome)")
        return (dir, fixture)
    }

    func testDifferentOptionsAreRefusedAndSameOnesAccepted() throws {
        let scratch = Scratch()
        let (dir, _) = try interruptedRun(scratch)
        let cursor = try CheckpointStore.read(from: dir + "/checkpoint.h5").state.cursor
        let refusals: [([String], String)] = [
            (["--threshold", "0.1"], "--threshold"),
            (["--metric", "kl_div"], "--metric"),
            (["--zero-ablation"], "--zero-ablation"),
            (["--abs-value-threshold"], "--abs-value-threshold"),
            (["--indices-mode", "reverse"], "--indices-mode"),
            (["--names-mode", "reverse"], "--names-mode"),
            (["--remove-redundant"], "--remove-redundant"),
        ]
        for (options, name) in refusals {
            let outcome = try ACDCProcess.run(["resume", dir, "--quiet"] + options)
            ACDCProcess.assertRefused(outcome, mentioning: [name, "checkpoint.h5"])
        }
        XCTAssertEqual(try CheckpointStore.read(from: dir + "/checkpoint.h5").state.cursor, cursor, "a refusal must not touch the run")

        // Repeating the stored options is fine.
        let same = try ACDCProcess.run(["resume", dir, "--quiet", "--threshold", "0.01", "--metric", "l2",
                                        "--no-zero-ablation", "--indices-mode", "normal"])
        XCTAssertTrue(same.exitedCleanly, "\(same)")
        XCTAssertTrue(try CheckpointStore.read(from: dir + "/checkpoint.h5").finished)
    }

    func testChangedModelWeightsOrConfigAreRefused() throws {
        let scratch = Scratch()
        let (dir, fixture) = try interruptedRun(scratch)
        let weights = fixture + "/model/model.safetensors", config = fixture + "/model/config.json"
        let originalWeights = try Data(contentsOf: URL(fileURLWithPath: weights))
        let originalConfig = try Data(contentsOf: URL(fileURLWithPath: config))

        // Last byte: inside the tensor data, so the model still loads, just differently.
        var changed = originalWeights
        changed[changed.count - 1] ^= 0x01
        try changed.write(to: URL(fileURLWithPath: weights))
        ACDCProcess.assertRefused(try ACDCProcess.run(["resume", dir]), mentioning: ["model", "changed"])
        try originalWeights.write(to: URL(fileURLWithPath: weights))

        try (originalConfig + Data(" \n".utf8)).write(to: URL(fileURLWithPath: config))
        ACDCProcess.assertRefused(try ACDCProcess.run(["resume", dir]), mentioning: ["model", "changed"])
        try originalConfig.write(to: URL(fileURLWithPath: config))

        let restored = try ACDCProcess.run(["resume", dir, "--quiet"])
        XCTAssertTrue(restored.exitedCleanly, "with the original model restored: \(restored)")
    }

    func testChangedExperimentIsRefused() throws {
        let scratch = Scratch()
        let (dir, fixture) = try interruptedRun(scratch)
        let path = dir + "/experiment.json"
        let original = try String(contentsOfFile: path, encoding: .utf8)

        // Different corrupted tokens: same shape, different computation.
        var json = try JSONValue.parse(Array(original.utf8))
        json = replacing(json, key: "corrupted", with: json["clean"]!)
        try json.serialized(indent: 1).write(toFile: path, atomically: true, encoding: .utf8)
        ACDCProcess.assertRefused(try ACDCProcess.run(["resume", dir]), mentioning: ["experiment.json", "changed"])

        // Pointing the experiment at another model directory (even a copy) is a change too.
        let otherModel = scratch.sub("other-model")
        try FileManager.default.copyItem(atPath: fixture + "/model", toPath: otherModel)
        json = replacing(try JSONValue.parse(Array(original.utf8)), key: "model", with: .string(otherModel))
        try json.serialized(indent: 1).write(toFile: path, atomically: true, encoding: .utf8)
        ACDCProcess.assertRefused(try ACDCProcess.run(["resume", dir]), mentioning: ["experiment.json", "changed"])

        try FileManager.default.removeItem(atPath: path)
        ACDCProcess.assertRefused(try ACDCProcess.run(["resume", dir]), mentioning: ["experiment.json"])

        try original.write(toFile: path, atomically: true, encoding: .utf8)
        let restored = try ACDCProcess.run(["resume", dir, "--quiet"])
        XCTAssertTrue(restored.exitedCleanly, "with the experiment restored: \(restored)")
    }

    func testMissingCheckpointIsRefused() throws {
        let scratch = Scratch()
        ACDCProcess.assertRefused(try ACDCProcess.run(["resume", scratch.path]), mentioning: ["checkpoint.h5"])
        ACDCProcess.assertRefused(try ACDCProcess.run(["resume", scratch.sub("nonexistent")]), mentioning: ["checkpoint.h5"])
    }

    /// Zero-length, truncated at many lengths, random bytes, flipped bytes:
    /// never a crash or trap. Damage the checksums cannot see may resume, but
    /// then it must finish like the undamaged run.
    func testCorruptCheckpointsNeverCrash() throws {
        let scratch = Scratch()
        let (dir, _) = try interruptedRun(scratch)
        let checkpoint = dir + "/checkpoint.h5"
        let good = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        let snapshot = scratch.sub("snapshot")
        try FileManager.default.copyItem(atPath: dir, toPath: snapshot)
        let finished = try ACDCProcess.run(["resume", snapshot, "--quiet"])
        XCTAssertTrue(finished.exitedCleanly, "\(finished)")
        let expectedEdges = try RunRecord.load(path: snapshot + "/result.json")["present_edges"]

        var rng = SplitMix64(seed: 7)
        var damaged: [(String, Data)] = [("zero-length", Data())]
        for fraction in [0.02, 0.25, 0.5, 0.75, 0.98] {
            damaged.append(("truncated to \(fraction)", good.prefix(Int(Double(good.count) * fraction))))
        }
        damaged.append(("truncated by one byte", good.dropLast()))
        damaged.append(("random bytes", Data((0..<good.count).map { _ in UInt8.random(in: 0...255, using: &rng) })))
        damaged.append(("random bytes after the signature", good.prefix(8) + Data((8..<good.count).map { _ in UInt8.random(in: 0...255, using: &rng) })))
        for _ in 0..<6 {
            var flipped = good
            let at = Int.random(in: 0..<good.count, using: &rng)
            flipped[at] ^= UInt8.random(in: 1...255, using: &rng)
            damaged.append(("byte \(at) changed", flipped))
        }

        var refused = 0
        for (what, bytes) in damaged {
            let trial = scratch.sub("trial")
            try? FileManager.default.removeItem(atPath: trial)
            try FileManager.default.copyItem(atPath: dir, toPath: trial)
            try bytes.write(to: URL(fileURLWithPath: trial + "/checkpoint.h5"))
            let outcome = try ACDCProcess.run(["resume", trial, "--quiet"])
            XCTAssertFalse(outcome.signaled, "\(what): crashed: \(outcome)")
            if outcome.exitedCleanly {
                XCTAssertFalse(what.hasPrefix("zero") || what.hasPrefix("truncated") || what.hasPrefix("random"),
                               "\(what): accepted")
                XCTAssertEqual(try RunRecord.load(path: trial + "/result.json")["present_edges"], expectedEdges,
                               "\(what): resumed from damage to a different circuit")
            } else {
                refused += 1
                ACDCProcess.assertRefused(outcome, mentioning: ["checkpoint.h5"])
                let show = try ACDCProcess.run(["show", trial])
                XCTAssertFalse(show.signaled, "\(what): show crashed: \(show)")
            }
        }
        XCTAssertGreaterThanOrEqual(refused, 9, "every truncation and random content must be refused")
    }

    private func replacing(_ json: JSONValue, key: String, with value: JSONValue) -> JSONValue {
        .object((json.objectPairs ?? []).map { $0.0 == key ? (key, value) : $0 })
    }
}
