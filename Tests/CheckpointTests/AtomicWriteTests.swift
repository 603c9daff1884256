import ACDC
import Checkpoint
import XCTest
import TestSupport

final class AtomicWriteTests: XCTestCase {
    func testWriteLeavesNoTemporaryFiles() throws {
        let dir = ScratchDirectory()
        try CheckpointStore.write(SampleCheckpoints.realistic(edges: 100, traceLength: 10), to: dir.file("checkpoint.h5"))
        XCTAssertEqual(dir.listing(), ["checkpoint.h5"])
    }

    func testWriteOverwritesExistingCheckpoint() throws {
        let dir = ScratchDirectory()
        let path = dir.file("checkpoint.h5")
        var checkpoint = SampleCheckpoints.realistic(edges: 100, traceLength: 10)
        try CheckpointStore.write(checkpoint, to: path)

        checkpoint.state.cursor = 99
        checkpoint.elapsedSeconds = 1.5
        checkpoint.info["round"] = "2"
        try CheckpointStore.write(checkpoint, to: path)

        XCTAssertEqual(dir.listing(), ["checkpoint.h5"])
        assertSameCheckpoint(checkpoint, try CheckpointStore.read(from: path))
    }

    func testRefusedWriteKeepsPreviousCheckpoint() throws {
        let dir = ScratchDirectory()
        let path = dir.file("checkpoint.h5")
        let good = SampleCheckpoints.realistic(edges: 100, traceLength: 10)
        try CheckpointStore.write(good, to: path)

        var bad = good
        bad.state.cursor = bad.nodeCount + 1
        XCTAssertThrowsError(try CheckpointStore.write(bad, to: path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(path + ": inconsistent checkpoint: cursor"), "\(error)")
        }
        XCTAssertEqual(dir.listing(), ["checkpoint.h5"])
        assertSameCheckpoint(good, try CheckpointStore.read(from: path))
    }

    func testWriteIntoMissingDirectoryThrowsAndLeavesNothing() throws {
        let dir = ScratchDirectory()
        let path = dir.file("no-such-dir/checkpoint.h5")
        let (_, stderr) = try capturingStderr {
            XCTAssertThrowsError(try CheckpointStore.write(SampleCheckpoints.empty(), to: path)) { error in
                XCTAssertTrue(error is CheckpointError)
                XCTAssertTrue("\(error)".contains("no-such-dir/checkpoint.h5"), "\(error)")
            }
        }
        XCTAssertEqual(stderr, "")
        XCTAssertEqual(dir.listing(), [])
    }
}
