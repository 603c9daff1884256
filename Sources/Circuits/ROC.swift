import ACDC

/// ROC points and AUC against a canonical circuit, as the paper's
/// evaluation computes them (ACDC.md §8.2–8.3).
public enum ROC {
    public struct Rates: Equatable, Sendable {
        public let truePositives, falsePositives, falseNegatives, trueNegatives: Int
        public var tpr: Double { Double(truePositives) / Double(max(1, truePositives + falseNegatives)) }
        public var fpr: Double { Double(falsePositives) / Double(max(1, falsePositives + trueNegatives)) }
    }

    public struct Point: Equatable, Sendable {
        public var threshold: Double?
        public var fpr: Double
        public var tpr: Double
        public init(threshold: Double?, fpr: Double, tpr: Double) { self.threshold = threshold; self.fpr = fpr; self.tpr = tpr }
    }

    /// The paper drops ACDC runs with thresholds below this before plotting (§8.2).
    public static let minimumThreshold = 1e-6

    /// Confusion counts of `recovered` against `canonical` in a universe of `universe` items.
    public static func rates(recovered: Set<String>, canonical: Set<String>, universe: Int) -> Rates {
        let tp = recovered.intersection(canonical).count
        let fp = recovered.count - tp, fn = canonical.count - tp
        return Rates(truePositives: tp, falsePositives: fp, falseNegatives: fn, trueNegatives: universe - tp - fp - fn)
    }

    /// The curve: runs sorted by threshold, largest first, thresholds below
    /// 1e-6 dropped, framed by (0,0) and (1,1).
    public static func curve(_ runs: [Point]) -> [Point] {
        let kept = runs.filter { ($0.threshold ?? .infinity) >= minimumThreshold }
            .sorted { ($0.threshold ?? .infinity) > ($1.threshold ?? .infinity) }
        return [Point(threshold: nil, fpr: 0, tpr: 0)] + kept + [Point(threshold: nil, fpr: 1, tpr: 1)]
    }

    /// §8.3: keep the Pareto points (drop a point when another has strictly
    /// smaller FPR and strictly larger TPR), sort by FPR then TPR, and sum the
    /// pessimistic staircase Σ_{i≥1} (1 − x_i)(y_i − y_{i−1}).
    public static func auc(_ points: [Point]) -> Double {
        let pareto = points.filter { p in !points.contains { $0.fpr < p.fpr && $0.tpr > p.tpr } }
            .sorted { ($0.fpr, $0.tpr) < ($1.fpr, $1.tpr) }
        var area = 0.0
        for i in pareto.indices.dropFirst() {
            area += (1 - pareto[i].fpr) * (pareto[i].tpr - pareto[i - 1].tpr)
        }
        return area
    }

    /// The reference's `filter_nodes` normalisation for node ROCs:
    /// `blocks.l.hook_X_input[idx]` becomes `blocks.l.hook_X[idx]` (no `.attn.`,
    /// so it stays distinct from the head's Q/K/V node) and `hook_mlp_in`
    /// nodes are dropped (the reference's intended merge into mlp_out fails).
    public static func normalizedNode(_ n: NodeKind) -> String? {
        switch n {
        case .mlpIn: return nil
        case .input(let l, _, let x): return "blocks.\(l).hook_\(x.letter)" + n.indexString
        default: return n.name
        }
    }

    /// Normalised endpoints of the non-placeholder edges `edges`.
    public static func nodes(of edges: [(child: NodeKind, parent: NodeKind)]) -> Set<String> {
        Set(edges.flatMap { [normalizedNode($0.child), normalizedNode($0.parent)] }.compactMap { $0 })
    }

    /// The node universe: every graph node, normalised.
    public static func nodeUniverse(_ g: ComputationalGraph) -> Set<String> {
        Set(g.nodes.compactMap(normalizedNode))
    }
}
