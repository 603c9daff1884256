import ACDC
import Checkpoint
import Foundation
import Kernels
import XCTest
import TestSupport

/// Every damaged or inconsistent file must become a CheckpointError naming
/// the path: no crash, and nothing printed by HDF5 (checked on fresh threads,
/// because HDF5's error printing is per thread).
final class CorruptCheckpointTests: XCTestCase {
    private var dir: ScratchDirectory!
    private var goodPath: String!
    private var goodBytes: Data!

    override func setUpWithError() throws {
        dir = ScratchDirectory()
        goodPath = dir.file("checkpoint.h5")
        try CheckpointStore.write(SampleCheckpoints.realistic(edges: 600, traceLength: 80), to: goodPath)
        goodBytes = try Data(contentsOf: URL(fileURLWithPath: goodPath))
    }

    override func tearDown() { dir = nil }

    /// Reads `path` on a fresh thread with stderr captured; asserts it fails
    /// quietly and returns the message.
    private func quietFailure(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let (message, stderr) = capturingStderr { onFreshThread { readFailure(path) } }
        XCTAssertEqual(stderr, "", "something printed to stderr", file: file, line: line)
        guard let message else {
            XCTFail("\(path) read without error", file: file, line: line)
            return ""
        }
        XCTAssertTrue(message.hasPrefix(path + ": "), "message must name the file: \(message)", file: file, line: line)
        XCTAssertFalse(message.contains("\n"), file: file, line: line)
        return message
    }

    private func damaged(_ name: String, _ bytes: Data) throws -> String {
        let path = dir.file(name)
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    func testTruncatedFilesThrow() throws {
        let n = goodBytes.count
        for length in [1, 7, 8, 64, 512, 2_048, n / 4, n / 2, n - 4_096, n - 100, n - 1] where length > 0 && length < n {
            let path = try damaged("cut-\(length).h5", goodBytes.prefix(length))
            let message = quietFailure(path)
            XCTAssertTrue(message.contains("not an HDF5 file or truncated") || message.contains("truncated"), message)
        }
    }

    func testZeroLengthFileThrows() throws {
        let message = quietFailure(try damaged("zero.h5", Data()))
        XCTAssertTrue(message.contains("empty file"), message)
    }

    func testRandomBytesThrow() throws {
        var rng = SplitMix64(seed: 7)
        let bytes = Data((0..<10_000).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let message = quietFailure(try damaged("random.h5", bytes))
        XCTAssertTrue(message.contains("not an HDF5 file"), message)
    }

    func testMissingFileThrows() {
        let message = quietFailure(dir.file("absent.h5"))
        XCTAssertTrue(message.contains("No such file"), message)
    }

    func testForeignHDF5FileThrows() throws {
        let path = dir.file("foreign.h5")
        let file = try HDF5File.create(path)
        try file.write([1.0, 2.0], to: "data")
        try file.close()
        XCTAssertTrue(quietFailure(path).contains("not an ACDC checkpoint"))
    }

    func testMissingDatasetThrows() throws {
        try edit { try $0.remove("edges/present") }
        XCTAssertEqual(quietFailure(goodPath), "\(goodPath!): dataset 'edges/present' missing")
    }

    func testMissingAttributeThrows() throws {
        try edit { try $0.remove("options") }
        XCTAssertEqual(quietFailure(goodPath), "\(goodPath!): group 'options' missing")
    }

    func testInconsistentEdgeArrayLengthsThrow() throws {
        try edit { try $0.writeStrings(["only", "three", "names"], to: "edges/names", encoding: .fixedLength) }
        XCTAssertTrue(quietFailure(goodPath).contains("inconsistent checkpoint: edge arrays disagree"))
    }

    func testInconsistentTraceLengthsThrow() throws {
        try edit { try $0.write([1.0], to: "trace/result") }
        XCTAssertTrue(quietFailure(goodPath).contains("trace datasets have different lengths"))
    }

    func testTraceEdgeOutOfRangeThrows() throws {
        try edit { file in
            var edges = try file.readVector(Int64.self, from: "trace/edge")
            edges[3] = 600
            try file.write(edges, to: "trace/edge")
        }
        XCTAssertTrue(quietFailure(goodPath).contains("trace entry 3 names edge 600, outside 0..<600"))
    }

    func testCursorBeyondNodeCountThrows() throws {
        try edit { try $0.setAttribute("cursor", to: Int64(159)) }
        XCTAssertTrue(quietFailure(goodPath).contains("cursor 159 outside 0...158"))
    }

    func testUnknownFormatVersionThrows() throws {
        try edit { try $0.setAttribute("format_version", to: Int64(2)) }
        XCTAssertTrue(quietFailure(goodPath).contains("format version 2"))
    }

    func testNonBooleanFlagThrows() throws {
        try edit { try $0.write([UInt8](repeating: 7, count: 600), to: "edges/present") }
        XCTAssertTrue(quietFailure(goodPath).contains("expected 0 or 1"))
    }

    func testWrongDatasetTypeThrows() throws {
        try edit { try $0.write([Int32](repeating: 0, count: 600), to: "edges/effect_size") }
        XCTAssertTrue(quietFailure(goodPath).contains("dataset 'edges/effect_size' holds int32, expected float64"))
    }

    /// A damaged byte anywhere must never crash and never go unnoticed:
    /// either the read fails, or the byte was unused and the content is
    /// exactly the original. (Checksummed 1.10 metadata, Fletcher-32 on every
    /// dataset and no heap strings make this hold; a full scan of every byte
    /// was run once, this samples ~150 offsets.)
    func testFlippedBytesNeverCrashNorGoUnnoticed() throws {
        let original = try CheckpointStore.read(from: goodPath)
        let stride = max(1, goodBytes.count / 150)
        var failures = 0
        for offset in Swift.stride(from: 0, to: goodBytes.count, by: stride) {
            var bytes = goodBytes!
            bytes[offset] ^= 0x5A
            let path = try damaged("flip.h5", bytes)
            let (message, stderr) = capturingStderr { onFreshThread { readFailure(path) } }
            XCTAssertEqual(stderr, "", "stderr output after flipping byte \(offset)")
            if let message {
                failures += 1
                XCTAssertTrue(message.hasPrefix(path + ": "), message)
            } else {
                assertSameCheckpoint(original, try CheckpointStore.read(from: path))
            }
        }
        XCTAssertGreaterThan(failures, 100)
    }

    /// Opens the good checkpoint for update, applies `change`, closes it.
    private func edit(_ change: (HDF5File) throws -> Void) throws {
        let file = try HDF5File.open(goodPath, mode: .readWrite)
        try change(file)
        try file.close()
    }
}
