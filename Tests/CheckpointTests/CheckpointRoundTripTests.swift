import ACDC
import Checkpoint
import XCTest
import TestSupport

final class CheckpointRoundTripTests: XCTestCase {
    func testRealisticCheckpointRoundTrips() throws {
        let dir = ScratchDirectory()
        let path = dir.file("checkpoint.h5")
        let original = SampleCheckpoints.realistic()
        XCTAssertTrue(original.state.effectSize.contains { $0.isNaN }, "sample must exercise NaN")

        try CheckpointStore.write(original, to: path)
        let restored = try CheckpointStore.read(from: path)

        assertSameCheckpoint(original, restored)
        XCTAssertEqual(restored.edgeNames.count, 3_200)
        XCTAssertEqual(restored.state.trace.count, 450)
    }

    func testEmptyCheckpointRoundTrips() throws {
        let dir = ScratchDirectory()
        let path = dir.file("empty.h5")
        let original = SampleCheckpoints.empty()
        try CheckpointStore.write(original, to: path)
        assertSameCheckpoint(original, try CheckpointStore.read(from: path))
    }

    func testFinishedRunRoundTrips() throws {
        let dir = ScratchDirectory()
        let path = dir.file("done.h5")
        var original = SampleCheckpoints.realistic(edges: 50, traceLength: 20)
        original.state.cursor = original.nodeCount
        original.finished = true
        try CheckpointStore.write(original, to: path)
        assertSameCheckpoint(original, try CheckpointStore.read(from: path))
    }

    func testIdenticalCheckpointsGiveIdenticalFiles() throws {
        let dir = ScratchDirectory()
        let checkpoint = SampleCheckpoints.realistic(edges: 300, traceLength: 40)
        try CheckpointStore.write(checkpoint, to: dir.file("a.h5"))
        try CheckpointStore.write(checkpoint, to: dir.file("b.h5"))
        XCTAssertEqual(try Fingerprint.of(file: dir.file("a.h5")), try Fingerprint.of(file: dir.file("b.h5")))
    }
}
