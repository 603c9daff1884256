import ACDC
import Checkpoint
import Foundation
import XCTest
import TestSupport

/// The identities a resume checks: the model fingerprint follows every byte
/// of config and weights, and the experiment's canonical serialisation is a
/// fixed point of parse → serialise, so re-reading RUN_DIR/experiment.json
/// reproduces the stored hash.
final class RunIdentityTests: XCTestCase {
    private let fixtures: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { url.deleteLastPathComponent() }
        return url.path + "/Fixtures"
    }()

    func testModelFingerprintFollowsConfigAndWeights() throws {
        let scratch = ScratchDirectory()
        let model = scratch.file("model")
        try FileManager.default.copyItem(atPath: fixtures + "/tracr-reverse/model", toPath: model)
        let original = try RunIdentity.modelFingerprint(directory: model)
        XCTAssertEqual(try RunIdentity.modelFingerprint(directory: fixtures + "/tracr-reverse/model"), original,
                       "a copy has the same identity")
        XCTAssertNotEqual(try RunIdentity.modelFingerprint(directory: fixtures + "/tracr-proportion/model"), original)

        for name in try RunIdentity.modelFiles(directory: model) {
            let url = URL(fileURLWithPath: model + "/" + name)
            let bytes = try Data(contentsOf: url)
            var changed = bytes
            changed[changed.count / 2] ^= 0x20
            try changed.write(to: url)
            XCTAssertNotEqual(try RunIdentity.modelFingerprint(directory: model), original, "\(name) changed")
            try bytes.write(to: url)
        }
        XCTAssertEqual(try RunIdentity.modelFingerprint(directory: model), original)

        try FileManager.default.removeItem(atPath: model + "/config.json")
        XCTAssertThrowsError(try RunIdentity.modelFingerprint(directory: model)) { error in
            XCTAssertTrue("\(error)".contains("config.json"), "\(error)")
        }
    }

    /// A sharded model is fingerprinted over its index and every shard; a FIFO
    /// in place of either is refused at once, not waited on (issue 15 §1).
    func testShardedModelFingerprintCoversShardsAndRefusesFIFOs() throws {
        let scratch = ScratchDirectory()
        let model = scratch.file("model")
        try FileManager.default.copyItem(atPath: fixtures + "/hf-arch/llama-bf16-tied-sharded", toPath: model)
        let files = try RunIdentity.modelFiles(directory: model)
        XCTAssertEqual(files, ["config.json", "model.safetensors.index.json"] + (1...4).map { "model-0000\($0)-of-00004.safetensors" })
        let original = try RunIdentity.modelFingerprint(directory: model)
        let start = Date()
        for name in ["model.safetensors.index.json", "model-00003-of-00004.safetensors"] {
            let path = model + "/" + name
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            try FileManager.default.removeItem(atPath: path)
            XCTAssertEqual(mkfifo(path, 0o600), 0)
            XCTAssertThrowsError(try RunIdentity.modelFingerprint(directory: model)) { error in
                XCTAssertTrue("\(error)".contains(name), "\(error)")
            }
            try FileManager.default.removeItem(atPath: path)
            try bytes.write(to: URL(fileURLWithPath: path))
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertEqual(try RunIdentity.modelFingerprint(directory: model), original)
    }

    func testCanonicalExperimentIsAFixedPointWithAbsoluteModel() throws {
        let scratch = ScratchDirectory()
        for name in ["tracr-reverse", "tracr-proportion", "tiny-gpt2"] {
            let experiment = try Experiment.load(path: fixtures + "/\(name)/experiment.json")
            let canonical = RunIdentity.canonicalExperiment(experiment)
            let stored = scratch.file("\(name).json")
            try canonical.write(toFile: stored, atomically: true, encoding: .utf8)
            let reread = try Experiment.load(path: stored)
            XCTAssertEqual(reread.modelPath, RunIdentity.absolutePath(experiment.modelPath), name)
            XCTAssertTrue(reread.model.hasPrefix("/"), "\(name): model path must be absolute, got \(reread.model)")
            XCTAssertEqual(RunIdentity.canonicalExperiment(reread), canonical, name)
            XCTAssertEqual(RunIdentity.experimentFingerprint(reread), Fingerprint.of(string: canonical), name)
            XCTAssertEqual(try Fingerprint.of(file: stored), RunIdentity.experimentFingerprint(experiment),
                           "\(name): experiment.json's bytes hash to the stored identity")
        }
        let a = try Experiment.load(path: fixtures + "/tracr-reverse/experiment.json")
        var b = a
        b.usePosEmbed.toggle()
        XCTAssertNotEqual(RunIdentity.experimentFingerprint(a), RunIdentity.experimentFingerprint(b))
    }

    func testAbsolutePathResolvesDots() {
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertEqual(RunIdentity.absolutePath("/a/./b/../c"), "/a/c")
        XCTAssertEqual(RunIdentity.absolutePath("x/../y"), URL(fileURLWithPath: cwd + "/y").standardizedFileURL.path)
    }
}
