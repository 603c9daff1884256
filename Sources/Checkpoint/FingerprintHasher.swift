/// Streaming state of `Fingerprint`: a fast, non-cryptographic 64-bit hash.
///
/// Input is read as little-endian 64-bit words (so the value is the same on
/// every platform) in 32-byte blocks spread over four independent lanes;
/// independent lanes let the CPU overlap the multiplies, which is what makes
/// it run at several GB/s. Each word goes through add-multiply-rotate-multiply,
/// lanes and the < 32-byte tail are folded together with the total length,
/// and a final xor-shift-multiply cascade spreads every input bit over the
/// output. Good for identity checks (did the model file change?), useless
/// against an adversary.
///
/// Feeding the same bytes in any split across `update` calls gives the same
/// value.
public struct FingerprintHasher: Sendable {
    // Odd 64-bit constants with well-mixed bits (the golden ratio and the two
    // splitmix multipliers); any such constants would do, these are fixed forever.
    private static let k1: UInt64 = 0x9E37_79B9_7F4A_7C15
    private static let k2: UInt64 = 0xBF58_476D_1CE4_E5B9
    private static let k3: UInt64 = 0x94D0_49BB_1331_11EB
    static let blockSize = 32

    private var lane0: UInt64 = k1
    private var lane1: UInt64 = k2
    private var lane2: UInt64 = k3
    private var lane3: UInt64 = k1 ^ k2
    private var totalLength: UInt64 = 0
    /// Bytes waiting for a full block (fewer than 32).
    private var pending: [UInt8] = []

    public init() {}

    /// Adds `bytes` to the hashed content.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        totalLength &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(FingerprintHasher.blockSize - pending.count, bytes.count)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
            offset = take
            guard pending.count == FingerprintHasher.blockSize else { return }
            let block = pending
            pending.removeAll(keepingCapacity: true)
            block.withUnsafeBytes { absorbBlocks($0.baseAddress!, blockCount: 1) }
        }
        let blocks = (bytes.count - offset) / FingerprintHasher.blockSize
        absorbBlocks(base + offset, blockCount: blocks)
        offset += blocks * FingerprintHasher.blockSize
        if offset < bytes.count {
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base + offset, count: bytes.count - offset))
        }
    }

    /// The hash of everything added so far (the hasher can keep going).
    public func finalize() -> UInt64 {
        typealias H = FingerprintHasher
        var h = totalLength &* H.k3
        for lane in [lane0, lane1, lane2, lane3] {
            h = rotateLeft(h ^ H.avalanche(lane), by: 27) &* H.k1 &+ H.k2
        }
        pending.withUnsafeBytes { tail in
            var offset = 0
            while offset + 8 <= tail.count {
                let word = UInt64(littleEndian: tail.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                h = rotateLeft(h ^ (word &* H.k2), by: 31) &* H.k1
                offset += 8
            }
            if offset < tail.count {
                // Last 1...7 bytes, packed little-endian; the length mixed in
                // above keeps "ab" and "ab\0" apart.
                var word: UInt64 = 0
                for (shift, byte) in tail[offset...].enumerated() { word |= UInt64(byte) << (8 * UInt64(shift)) }
                h = rotateLeft(h ^ (word &* H.k3), by: 23) &* H.k2
            }
        }
        return H.avalanche(h)
    }

    /// 16 lowercase hex digits of `finalize()`.
    public func hexDigest() -> String {
        let hex = String(finalize(), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    @inline(__always)
    private mutating func absorbBlocks(_ start: UnsafeRawPointer, blockCount: Int) {
        typealias H = FingerprintHasher
        // Lanes in locals so the optimizer keeps them in registers.
        var v0 = lane0, v1 = lane1, v2 = lane2, v3 = lane3
        var p = start
        for _ in 0..<blockCount {
            v0 = H.round(v0, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 0, as: UInt64.self)))
            v1 = H.round(v1, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            v2 = H.round(v2, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            v3 = H.round(v3, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
            p += H.blockSize
        }
        lane0 = v0; lane1 = v1; lane2 = v2; lane3 = v3
    }

    @inline(__always)
    private static func round(_ lane: UInt64, _ word: UInt64) -> UInt64 {
        rotateLeft(lane &+ word &* k2, by: 29) &* k1
    }

    /// Xor-shift-multiply cascade: every input bit affects every output bit.
    @inline(__always)
    private static func avalanche(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* k2
        z = (z ^ (z >> 27)) &* k3
        return z ^ (z >> 31)
    }
}

@inline(__always)
private func rotateLeft(_ x: UInt64, by n: UInt64) -> UInt64 {
    (x << n) | (x >> (64 - n))
}
