/// A fixed-size, 64-byte-aligned, zero-initialised buffer of doubles: the
/// receivers' running sums `Σ (a − ã)` are kept in double precision.
final class DoubleBuffer {
    let pointer: UnsafeMutablePointer<Double>
    let count: Int

    init(_ count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 8, alignment: 64)
        pointer = raw.bindMemory(to: Double.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}
