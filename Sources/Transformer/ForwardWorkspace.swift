/// Scratch buffers of one forward pass. Each named buffer is allocated the
/// first time a layer asks for it and reused by later layers, so a pass
/// touches fresh memory once (page faults and zeroing of ~15 MB per GPT-2
/// layer were a visible share of a forward). Every user overwrites the
/// whole buffer before reading it; visitors see a buffer only during `visit`.
final class ForwardWorkspace {
    private var owned: [UnsafeMutableBufferPointer<Float>] = []
    private var named: [String: UnsafeMutableBufferPointer<Float>] = [:]

    /// A fresh zero-filled buffer of `count` floats that lives as long as the workspace.
    func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
        let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
        b.initialize(repeating: 0)
        owned.append(b)
        return UnsafeMutableBufferPointer(rebasing: b[0..<count])
    }

    /// The buffer called `name`, with room for at least `count` floats, viewed as exactly `count`.
    func buffer(_ name: String, _ count: Int) -> UnsafeMutableBufferPointer<Float> {
        if let b = named[name], b.count >= count { return UnsafeMutableBufferPointer(rebasing: b[0..<count]) }
        let b = buffer(count)
        named[name] = b
        return b
    }

    deinit { for b in owned { b.deallocate() } }
}

extension UnsafeMutableBufferPointer where Element == Float {
    /// The start address; buffers from `ForwardWorkspace` always have one.
    @inline(__always) var base: UnsafeMutablePointer<Float> { baseAddress! }
}
