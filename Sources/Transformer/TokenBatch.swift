/// A rectangular batch of token ids, validated against a model's vocabulary
/// and context length.
public struct TokenBatch: Sendable, Equatable {
    public let rows: Int
    public let seqLen: Int
    public let ids: [Int32]

    public init(_ rows: [[Int]], origin: String) throws {
        guard let first = rows.first, !first.isEmpty else { throw ModelError("\(origin): empty token batch") }
        for (i, r) in rows.enumerated() where r.count != first.count {
            throw ModelError("\(origin): row \(i) has \(r.count) tokens, row 0 has \(first.count) (rows must be equally long)")
        }
        self.rows = rows.count
        self.seqLen = first.count
        self.ids = rows.flatMap { $0.map { Int32(truncatingIfNeeded: $0) } }
        for (i, r) in rows.enumerated() {
            for (j, t) in r.enumerated() where t < 0 || t > Int(Int32.max) {
                throw ModelError("\(origin): token id \(t) at row \(i), position \(j) is negative or too large")
            }
        }
    }

    /// Checks ids and length against the model; one-line error naming the input.
    public func validate(for c: ModelConfig, origin: String) throws {
        if seqLen > c.nCtx {
            throw ModelError("\(origin): sequence length \(seqLen) exceeds the model's n_ctx \(c.nCtx)")
        }
        for (i, t) in ids.enumerated() where Int(t) >= c.dVocab {
            throw ModelError("\(origin): token id \(t) at row \(i / seqLen), position \(i % seqLen) is out of range (d_vocab \(c.dVocab))")
        }
    }

    public func row(_ i: Int) -> [Int] { ids[(i * seqLen)..<((i + 1) * seqLen)].map(Int.init) }
}
