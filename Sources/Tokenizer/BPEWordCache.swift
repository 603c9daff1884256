import Foundation

/// Remembers the BPE result for each distinct pre-tokenized word.
///
/// Natural text repeats words constantly, and merging is the expensive step, so a cache makes
/// encoding mostly dictionary lookups. It is a class behind a lock so that `GPT2Tokenizer`
/// can stay a value type that is `Sendable` and whose `encode` is non-mutating.
final class BPEWordCache: @unchecked Sendable {
    /// Above this many entries the cache is cleared rather than growing without bound.
    static let capacity = 100_000
    /// Longer words are not cached: they are rare, and would pin large keys in memory.
    static let maximumWordLength = 128

    private let lock = NSLock()
    private var storage: [[UInt8]: [Int32]] = [:]

    func ids(for word: ArraySlice<UInt8>, compute: () -> [Int32]) -> [Int32] {
        guard word.count <= Self.maximumWordLength else { return compute() }
        let key = Array(word)
        lock.lock()
        let cached = storage[key]
        lock.unlock()
        if let cached { return cached }

        // Computed outside the lock; two threads racing on one new word both compute the
        // same value, which is harmless.
        let computed = compute()
        lock.lock()
        if storage.count >= Self.capacity { storage.removeAll(keepingCapacity: true) }
        storage[key] = computed
        lock.unlock()
        return computed
    }
}
