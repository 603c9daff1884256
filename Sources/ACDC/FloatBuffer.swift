/// A fixed-size, 64-byte-aligned float buffer. Alignment is fixed so BLAS
/// takes the same code path every time, which keeps results bit-reproducible.
final class FloatBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    convenience init(copying a: [Float]) {
        self.init(a.count)
        a.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: a.count) }
    }

    deinit { pointer.deallocate() }
}
