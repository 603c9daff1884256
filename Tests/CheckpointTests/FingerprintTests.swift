import Checkpoint
import Foundation
import Kernels
import XCTest
import TestSupport

final class FingerprintTests: XCTestCase {
    /// Fixed bytes, for the regression values below.
    private func sample(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    /// Regression guard: these values were computed once by this
    /// implementation. If they change, every stored experiment/model identity
    /// changes with them, so a change here is a format change.
    func testKnownValues() {
        XCTAssertEqual(Fingerprint.of(bytes: [UInt8]()), "89369abc0b5a861f")
        XCTAssertEqual(Fingerprint.of(string: "acdc"), "8f9f9f1444161cf3")
        XCTAssertEqual(Fingerprint.of(bytes: sample(1_000)), "a771a017bfc440d1")
    }

    func testFormatIsSixteenHexDigits() {
        for n in [0, 1, 7, 8, 31, 32, 33, 100] {
            let hash = Fingerprint.of(bytes: sample(n))
            XCTAssertEqual(hash.count, 16)
            XCTAssertTrue(hash.allSatisfy { $0.isHexDigit && !$0.isUppercase }, hash)
        }
    }

    func testDifferentInputsDiffer() {
        var seen: Set<String> = []
        // Every length 0...200 of the same stream, including zero extensions.
        for n in 0...200 { seen.insert(Fingerprint.of(bytes: sample(n))) }
        for n in 0...64 { seen.insert(Fingerprint.of(bytes: [UInt8](repeating: 0, count: n + 1))) }
        // Every single-bit flip of a 64-byte input.
        let base = sample(64)
        for bit in 0..<(64 * 8) {
            var flipped = base
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            seen.insert(Fingerprint.of(bytes: flipped))
        }
        // Swapping two 8-byte words that land in different lanes.
        var swapped = base
        swapped.replaceSubrange(0..<8, with: base[8..<16])
        swapped.replaceSubrange(8..<16, with: base[0..<8])
        seen.insert(Fingerprint.of(bytes: swapped))
        XCTAssertEqual(seen.count, 201 + 65 + 512 + 1)
    }

    func testSplitUpdatesMatchOneShot() {
        let bytes = sample(10_007)
        let oneShot = Fingerprint.of(bytes: bytes)
        var rng = SplitMix64(seed: 3)
        for _ in 0..<50 {
            var hasher = FingerprintHasher()
            var offset = 0
            while offset < bytes.count {
                let step = min(bytes.count - offset, Int.random(in: 0...97, using: &rng))
                bytes[offset..<(offset + step)].withUnsafeBytes { hasher.update($0) }
                offset += step
            }
            XCTAssertEqual(hasher.hexDigest(), oneShot)
        }
    }

    func testFileMatchesBytes() throws {
        let dir = ScratchDirectory()
        for n in [0, 5, 4 << 20, (4 << 20) + 13] {
            let bytes = sample(n)
            let path = dir.file("blob-\(n)")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(try Fingerprint.of(file: path), Fingerprint.of(bytes: bytes), "length \(n)")
        }
        XCTAssertThrowsError(try Fingerprint.of(file: dir.file("missing"))) {
            XCTAssertTrue($0 is CheckpointError)
            XCTAssertTrue("\($0)".hasPrefix(dir.file("missing") + ": "), "\($0)")
        }
    }
}
