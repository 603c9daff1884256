/// Scratch buffers of one forward pass, allocated once per call (not per
/// layer) and freed when the pass ends. Hook visitors receive views of them.
final class ForwardWorkspace {
    private var owned: [UnsafeMutableBufferPointer<Float>] = []

    /// A zero-filled buffer of `count` floats that lives as long as the workspace.
    func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
        let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
        b.initialize(repeating: 0)
        let view = UnsafeMutableBufferPointer(rebasing: b[0..<count])
        owned.append(b)
        return view
    }

    deinit { for b in owned { b.deallocate() } }
}

extension UnsafeMutableBufferPointer where Element == Float {
    /// The start address; buffers from `ForwardWorkspace` are never empty-based.
    @inline(__always) var base: UnsafeMutablePointer<Float> { baseAddress! }
}
