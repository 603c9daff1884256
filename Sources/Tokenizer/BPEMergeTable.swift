/// The merge rules of a BPE vocabulary, resolved to token ids, and the algorithm that applies
/// them to one pre-tokenized word.
struct BPEMergeTable: Sendable {
    struct Rule: Sendable {
        /// Line order in the merges file; lower merges first.
        var rank: Int32
        /// Vocabulary id of the concatenated token.
        var merged: Int32
    }

    private var rules: [UInt64: Rule] = [:]

    var count: Int { rules.count }

    init() {}

    /// Adds `left + right -> merged` with the given rank. A later duplicate of the same pair
    /// replaces an earlier one, matching Python's `dict(zip(merges, range(...)))`.
    mutating func add(left: Int, right: Int, merged: Int, rank: Int) {
        rules[Self.key(left, right)] = Rule(rank: Int32(rank), merged: Int32(merged))
    }

    func rule(left: Int32, right: Int32) -> Rule? {
        rules[Self.key(Int(left), Int(right))]
    }

    private static func key(_ left: Int, _ right: Int) -> UInt64 {
        UInt64(UInt32(truncatingIfNeeded: left)) << 32 | UInt64(UInt32(truncatingIfNeeded: right))
    }

    /// Merges `symbols` (vocabulary ids, initially one per byte) until no adjacent pair has a
    /// rule, with exactly the semantics of GPT-2's reference `bpe()`: repeatedly take the
    /// lowest-ranked adjacent pair and merge *all* its non-overlapping occurrences left to right.
    ///
    /// The reference rescans the word for every merge (quadratic); here a heap of candidate
    /// pairs keeps long words (say, a 10k-character run of letters) at O(n log n). Candidates
    /// go stale when a neighbour merges and are re-validated when popped.
    func apply(to symbols: [Int32]) -> [Int32] {
        let count = symbols.count
        if count < 2 { return symbols }

        var ids = symbols
        var next = Array(1...count)         // next[i] == count means "no next symbol"
        var previous = Array(-1..<(count - 1))
        var alive = [Bool](repeating: true, count: count)
        var candidates = MinHeap<Candidate>()

        func pushCandidate(at position: Int) {
            guard position >= 0 else { return }
            let right = next[position]
            guard right < count, let rule = rule(left: ids[position], right: ids[right]) else { return }
            candidates.insert(Candidate(rank: rule.rank, position: position, left: ids[position], right: ids[right]))
        }
        for position in 0..<(count - 1) { pushCandidate(at: position) }

        var batch: [Candidate] = []
        while let lowest = candidates.minimum {
            // Take every candidate of this rank first: they are all the same pair, and the
            // reference merges all of its occurrences before considering any new pair.
            batch.removeAll(keepingCapacity: true)
            while let candidate = candidates.minimum, candidate.rank == lowest.rank {
                batch.append(candidates.popMinimum()!)
            }
            var mergedPositions: [Int] = []
            for candidate in batch {  // heap order within a rank is by position: left to right
                let position = candidate.position
                let right = next[position]
                guard alive[position], ids[position] == candidate.left,
                      right < count, ids[right] == candidate.right,
                      let rule = rule(left: candidate.left, right: candidate.right) else { continue }
                ids[position] = rule.merged
                alive[right] = false
                next[position] = next[right]
                if next[right] < count { previous[next[right]] = position }
                mergedPositions.append(position)
            }
            for position in mergedPositions where alive[position] {
                pushCandidate(at: previous[position])
                pushCandidate(at: position)
            }
        }

        var result: [Int32] = []
        result.reserveCapacity(count)
        var position = 0
        while position < count {
            result.append(ids[position])
            position = next[position]
        }
        return result
    }

    private struct Candidate: Comparable {
        var rank: Int32
        var position: Int
        var left: Int32
        var right: Int32

        static func < (a: Candidate, b: Candidate) -> Bool {
            a.rank != b.rank ? a.rank < b.rank : a.position < b.position
        }
    }
}
