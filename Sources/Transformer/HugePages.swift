#if canImport(Glibc)
import Glibc
#endif

/// Asks Linux to back the 2 MiB-aligned interior of a large, not yet touched
/// buffer with transparent huge pages. The logits of a GPT-2 batch are
/// ~160 MB of fresh memory per forward; with 4 KiB pages the first writes
/// take ~40 000 page faults. A hint only: ignored where THP is off or on
/// other systems.
func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
    #if os(Linux)
    let huge = 2 << 20
    guard let base = buffer.baseAddress, buffer.count >= 4 * huge else { return }
    let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
    let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
    guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(p, end - start, 14 /* MADV_HUGEPAGE */)
    #endif
}
