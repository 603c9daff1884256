import ACDC

/// The circuit of a run: its present edges with parsed endpoints, types and
/// effect sizes. What the text exports (JSON, DOT) draw from.
public struct Circuit {
    public struct Link {
        public let child: NodeKind
        public let parent: NodeKind
        public let type: EdgeType
        /// Signed metric change when the edge was tested; nil if never tested.
        public let effectSize: Double?
        public var name: EdgeName { EdgeName(child: child.name, parent: parent.name, type: type) }
    }

    public let run: RunResult
    /// Present edges in result.json order (sorted edge strings).
    public let links: [Link]

    public init(run: RunResult) throws {
        self.run = run
        self.links = try run.presentEdges.map { e in
            guard let c = NodeKind(parsing: e.child), let p = NodeKind(parsing: e.parent), let t = e.type else {
                throw ACDCError("\(run.resultPath): present edge '\(e.key)' names an unknown node")
            }
            return Link(child: c, parent: p, type: t, effectSize: run.effectSizes[e.key])
        }
    }

    /// Endpoints of present edges, each once, in first-appearance order.
    public var nodes: [NodeKind] {
        var seen = Set<NodeKind>(), out: [NodeKind] = []
        for l in links { for n in [l.child, l.parent] where seen.insert(n).inserted { out.append(n) } }
        return out
    }
}
