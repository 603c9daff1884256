import Foundation

/// Remembers the model's ids for each distinct pre-tokenized word (as UTF-8 bytes for the
/// GPT-2 fast path, as scalars for tokenizer.json models).
///
/// Natural text repeats words constantly, and merging is the expensive step, so a cache makes
/// encoding mostly dictionary lookups. It is a class behind a lock so that the tokenizers
/// can stay value types that are `Sendable` and whose `encode` is non-mutating.
final class WordCache<Word: Hashable>: @unchecked Sendable {
    /// Above this many entries the cache is cleared rather than growing without bound.
    static var capacity: Int { 100_000 }
    /// Longer words are not cached: they are rare, and would pin large keys in memory.
    static var maximumWordLength: Int { 128 }

    private let lock = NSLock()
    private var storage: [Word: [Int32]] = [:]

    /// The cached ids of `word` (of `length` bytes or scalars), computing them on a miss.
    func ids(for word: @autoclosure () -> Word, length: Int, compute: () -> [Int32]) -> [Int32] {
        guard length <= Self.maximumWordLength else { return compute() }
        let key = word()
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
