/// A fixed-size, 64-byte-aligned, zero-initialised buffer of numbers.
/// Alignment is fixed so BLAS takes the same code path every time, which
/// keeps results bit-reproducible.
final class AlignedBuffer<Element: BinaryFloatingPoint> {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(_ count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Element>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Element.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    convenience init(copying a: [Element]) {
        self.init(a.count)
        a.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: a.count) }
    }

    deinit { pointer.deallocate() }
}

/// Activations, in float32 like the reference.
typealias FloatBuffer = AlignedBuffer<Float>

/// The receivers' running sums `Σ (a − ã)`, kept in double precision.
typealias DoubleBuffer = AlignedBuffer<Double>
