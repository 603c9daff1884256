/// Which (row, position) pairs a metric reads.
public enum PositionSelection: Equatable, Sendable {
    /// The same positions in every row.
    case positions([Int])
    /// `mask[row][position]`; the mean runs over all true entries jointly.
    case mask([[Bool]])
    /// Every position of every row.
    case all
}

/// A metric as the experiment file describes it (all are minimised).
public enum MetricSpec: Equatable, Sendable {
    /// Mean KL(clean model ‖ patched model) over the selected entries.
    case klDiv(PositionSelection)
    /// −(mean correct logit − mean wrong logit) at `position`.
    case logitDiff(position: Int, correct: [Int], wrong: [Int])
    /// Mean squared difference to the clean model's logits over rows × positions × dims.
    case l2(positions: [Int], dims: [Int])
    /// Greater-than: −mean(P(yy > YY) − P(yy ≤ YY)) over the 100 two-digit tokens.
    case greaterThan(position: Int, yearTokens: [Int], startYears: [Int])
    /// Docstring: −mean(logit[correct] − max logit[wrong]).
    case docstring(position: Int, correct: [Int], wrong: [[Int]])
    /// Mean −log p(label) over the selected entries; `labels[row][position]`.
    case nll(PositionSelection, labels: [[Int]])
    /// `nll` minus the clean model's own nll, per entry, then the mean.
    case matchNLL(PositionSelection, labels: [[Int]])

    /// Positions whose logits the metric needs (sorted), for a sequence of length `seqLen`.
    public func positions(seqLen: Int) -> [Int] {
        func sel(_ s: PositionSelection) -> [Int] {
            switch s {
            case .positions(let p): return Array(Set(p)).sorted()
            case .all: return Array(0..<seqLen)
            case .mask(let m):
                var used = Set<Int>()
                for row in m { for (j, b) in row.enumerated() where b { used.insert(j) } }
                return used.sorted()
            }
        }
        switch self {
        case .klDiv(let s), .nll(let s, _), .matchNLL(let s, _): return sel(s)
        case .logitDiff(let p, _, _), .greaterThan(let p, _, _), .docstring(let p, _, _): return [p]
        case .l2(let p, _): return Array(Set(p)).sorted()
        }
    }
}
