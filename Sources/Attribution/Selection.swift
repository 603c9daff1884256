import ACDC

/// Turning edge scores into circuits, as the EAP-IG library does
/// (`apply_topn`, `apply_greedy`, `apply_threshold`, then `prune`). Ranking
/// uses |score| unless `signed` (the library's `absolute=False`).
public struct Selection: Sendable {
    public let graph: AttributionGraph
    public let scores: [Float]
    public let signed: Bool

    public init(graph: AttributionGraph, scores: [Float], signed: Bool = false) throws {
        guard scores.count == graph.edges.count else {
            throw ACDCError("\(scores.count) scores for a graph of \(graph.edges.count) edges")
        }
        self.graph = graph; self.scores = scores; self.signed = signed
    }

    @inline(__always) func rank(_ e: Int) -> Float { signed ? scores[e] : abs(scores[e]) }

    /// The n highest-ranked edges (ties: lower edge index first).
    public func topN(_ n: Int) -> [Bool] {
        let order = graph.edges.indices.sorted { rank($0) != rank($1) ? rank($0) > rank($1) : $0 < $1 }
        var present = [Bool](repeating: false, count: graph.edges.count)
        for e in order.prefix(max(0, n)) { present[e] = true }
        return present
    }

    /// Every edge ranked at least `t`.
    public func threshold(_ t: Float) -> [Bool] { graph.edges.indices.map { rank($0) >= t } }

    /// Grown from `logits`: n times the best candidate edge (an edge into a
    /// node already in the circuit) joins; a parent new to the circuit brings
    /// its own incoming edges among the candidates.
    public func greedy(_ n: Int) -> [Bool] {
        var incoming: [AttributionGraph.Node: [Int]] = [:]
        for (i, _) in graph.edges.enumerated() { incoming[graph.child(i), default: []].append(i) }
        var present = [Bool](repeating: false, count: graph.edges.count)
        var inGraph: Set<AttributionGraph.Node> = [.logits]
        var candidates = Set(incoming[.logits] ?? [])
        for _ in 0..<max(0, n) {
            guard let best = candidates.max(by: { rank($0) != rank($1) ? rank($0) < rank($1) : $0 > $1 }) else { break }
            candidates.remove(best)
            present[best] = true
            let p = graph.parent(best)
            if !inGraph.contains(p) {
                inGraph.insert(p)
                for e in incoming[p] ?? [] where !present[e] { candidates.insert(e) }
            }
        }
        return present
    }

    /// Drops, until nothing changes, nodes without an in-circuit incoming edge
    /// (`input` always has one; a head's q, k and v inputs count together) or
    /// without an in-circuit outgoing edge (`logits` needs none), and the
    /// edges touching them.
    public func prune(_ presentIn: [Bool]) -> [Bool] {
        var present = presentIn
        while true {
            var hasIn: Set<AttributionGraph.Node> = [.input], hasOut: Set<AttributionGraph.Node> = [.logits]
            for e in graph.edges.indices where present[e] { hasIn.insert(graph.child(e)); hasOut.insert(graph.parent(e)) }
            var changed = false
            for e in graph.edges.indices where present[e] {
                let p = graph.parent(e), c = graph.child(e)
                let alive = { (n: AttributionGraph.Node) in hasIn.contains(n) && hasOut.contains(n) }
                if !alive(p) || !alive(c) { present[e] = false; changed = true }
            }
            if !changed { return present }
        }
    }

    /// Nodes of a circuit: the ends of its edges, in the library's node order.
    public func nodes(_ present: [Bool]) -> [String] { Selection.nodeNames(graph: graph, present: present) }

    public static func nodeNames(graph: AttributionGraph, present: [Bool]) -> [String] {
        var s = Set<String>()
        for e in graph.edges.indices where present[e] { s.insert(graph.parent(e).name); s.insert(graph.child(e).name) }
        return graph.nodeNames.filter { s.contains($0) }
    }
}
