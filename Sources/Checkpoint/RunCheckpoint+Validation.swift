/// Consistency rules a checkpoint must satisfy, checked both before writing
/// (never put a checkpoint on disk that cannot be read back) and after reading.
extension RunCheckpoint {
    /// The first broken rule, in words, or nil when consistent.
    public var consistencyProblem: String? {
        if formatVersion != RunCheckpoint.currentFormatVersion {
            return "format version \(formatVersion), this build handles \(RunCheckpoint.currentFormatVersion)"
        }
        let edges = edgeNames.count
        if state.present.count != edges || state.effectSize.count != edges {
            return "edge arrays disagree: \(edges) names, \(state.present.count) present flags, "
                + "\(state.effectSize.count) effect sizes"
        }
        if let empty = edgeNames.firstIndex(of: "") { return "edge \(empty) has an empty name" }
        if Set(edgeNames).count != edges { return "edge names are not unique" }
        if nodeCount < 0 { return "negative node count \(nodeCount)" }
        if !(0...nodeCount).contains(state.cursor) {
            return "cursor \(state.cursor) outside 0...\(nodeCount)"
        }
        if finished && state.cursor != nodeCount {
            return "marked finished but cursor \(state.cursor) is not at the end (\(nodeCount))"
        }
        if state.evaluations < 0 { return "negative evaluation count \(state.evaluations)" }
        if !elapsedSeconds.isFinite || elapsedSeconds < 0 { return "invalid elapsed time \(elapsedSeconds)" }
        if let bad = state.trace.firstIndex(where: { !(0..<edges).contains($0.edge) }) {
            return "trace entry \(bad) names edge \(state.trace[bad].edge), outside 0..<\(edges)"
        }
        return nil
    }

    /// Throws `CheckpointError("<path>: inconsistent checkpoint: ...")`.
    func validate(path: String) throws {
        if let problem = consistencyProblem {
            throw CheckpointError(path: path, "inconsistent checkpoint: \(problem)")
        }
    }
}
