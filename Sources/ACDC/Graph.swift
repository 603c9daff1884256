import Transformer

/// How a node receives its inputs (ACDC.md §2.2).
public enum EdgeType: String, Sendable, Codable {
    case addition = "ADDITION"
    case directComputation = "DIRECT_COMPUTATION"
    case placeholder = "PLACEHOLDER"
}

/// A graph node: a hook point and, for per-head hooks, a head.
public enum NodeKind: Hashable, Sendable {
    case output(layer: Int)            // blocks.{L−1}.hook_resid_post[:]
    case mlpOut(Int), mlpIn(Int)
    case result(Int, head: Int)        // blocks.l.attn.hook_result[:, :, h]
    case qkv(Int, head: Int, QKV)      // blocks.l.attn.hook_{q,k,v}[:, :, h]
    case input(Int, head: Int, QKV)    // blocks.l.hook_{q,k,v}_input[:, :, h]
    case residPre                      // blocks.0.hook_resid_pre[:] (embedding)
    case tokenEmbed, posEmbed          // hook_embed[:], hook_pos_embed[:] (use_pos_embed)

    public var hookName: String {
        switch self {
        case .output(let l): return "blocks.\(l).hook_resid_post"
        case .mlpOut(let l): return "blocks.\(l).hook_mlp_out"
        case .mlpIn(let l): return "blocks.\(l).hook_mlp_in"
        case .result(let l, _): return "blocks.\(l).attn.hook_result"
        case .qkv(let l, _, let x): return "blocks.\(l).attn.hook_\(x.letter)"
        case .input(let l, _, let x): return "blocks.\(l).hook_\(x.letter)_input"
        case .residPre: return "blocks.0.hook_resid_pre"
        case .tokenEmbed: return "hook_embed"
        case .posEmbed: return "hook_pos_embed"
        }
    }

    public var head: Int? {
        switch self {
        case .result(_, let h), .qkv(_, let h, _), .input(_, let h, _): return h
        default: return nil
        }
    }

    /// Index string as the fixtures write it: `[:]` or `[:,:,h]`.
    public var indexString: String { head.map { "[:,:,\($0)]" } ?? "[:]" }

    /// `name[index]`, e.g. `blocks.1.attn.hook_result[:,:,3]`.
    public var name: String { hookName + indexString }

    public var incomingType: EdgeType {
        switch self {
        case .output, .mlpIn, .input: return .addition
        case .qkv: return .directComputation
        case .mlpOut, .result, .residPre, .tokenEmbed, .posEmbed: return .placeholder
        }
    }

    public var isEmbedding: Bool {
        switch self { case .residPre, .tokenEmbed, .posEmbed: return true; default: return false }
    }
}

public struct Edge: Sendable, Equatable {
    public let child: Int
    public let parent: Int
    public let type: EdgeType
}

/// Parents of one child that share a hook name, in stored order.
public struct ParentGroup: Sendable, Equatable {
    public let hookName: String
    public let edges: [Int]
}

/// The ACDC computational graph of a model (ACDC.md §2), built in the
/// reference's exact insertion order, which fixes every iteration order.
public struct ComputationalGraph: Sendable {
    public let nodes: [NodeKind]
    /// All edges; their index is the edge's identity everywhere (masks, traces, checkpoints).
    public let edges: [Edge]
    /// Per node: its parents grouped by hook name, in stored order (§2.3).
    public let parentGroups: [[ParentGroup]]
    /// Per node: its outgoing edges.
    public let children: [[Int]]
    /// Nodes in the order ACDC steps them (§2.5).
    public let order: [Int]
    public let nodeIndex: [NodeKind: Int]
    public let usePosEmbed: Bool
    public let nLayers: Int
    public let nHeads: Int
    public let hasMLP: Bool

    public init(config c: ModelConfig, usePosEmbed: Bool) {
        var nodes: [NodeKind] = []
        var index: [NodeKind: Int] = [:]
        var edges: [Edge] = []
        // Per child: parent hook names in first-insertion order, each with its edges.
        var groups: [[(String, [Int])]] = []
        var children: [[Int]] = []

        func add(_ k: NodeKind) -> Int {
            if let i = index[k] { return i }
            index[k] = nodes.count
            nodes.append(k); groups.append([]); children.append([])
            return nodes.count - 1
        }
        func connect(_ parent: Int, _ child: Int, _ type: EdgeType) {
            let e = edges.count
            edges.append(Edge(child: child, parent: parent, type: type))
            let name = nodes[parent].hookName
            if let g = groups[child].firstIndex(where: { $0.0 == name }) {
                groups[child][g].1.append(e)
            } else {
                groups[child].append((name, [e]))
            }
            children[parent].append(e)
        }

        let L = c.nLayers, H = c.nHeads
        let output = add(.output(layer: L - 1))
        var downstream = [output]
        for l in stride(from: L - 1, through: 0, by: -1) {
            // The MLP's input receives from every earlier unit; in a sequential
            // block that includes this layer's heads, in a parallel
            // (GPT-NeoX) block it does not: attention and MLP read the same input.
            var mlpInput: [Int] = []
            if c.hasMLP {
                let out = add(.mlpOut(l))
                for r in downstream { connect(out, r, .addition) }
                let inp = add(.mlpIn(l))
                connect(inp, out, .placeholder)
                mlpInput = [inp]
            }
            if !c.parallelResidual { downstream += mlpInput }
            var new: [Int] = []
            for h in stride(from: H - 1, through: 0, by: -1) {
                let res = add(.result(l, head: h))
                for r in downstream { connect(res, r, .addition) }
                for x in QKV.allCases {
                    let q = add(.qkv(l, head: h, x))
                    let qi = add(.input(l, head: h, x))
                    connect(q, res, .placeholder)
                    connect(qi, q, .directComputation)
                    new.append(qi)
                }
            }
            downstream += new
            if c.parallelResidual { downstream += mlpInput }
        }
        let embeds: [NodeKind] = usePosEmbed ? [.tokenEmbed, .posEmbed] : [.residPre]
        for e in embeds {
            let n = add(e)
            for r in downstream { connect(n, r, .addition) }
        }

        // §2.5: reverse hook-firing order, grouped by hook name, heads in stored order (H−1…0).
        var order: [Int] = [output]
        for l in stride(from: L - 1, through: 0, by: -1) {
            var kinds: [NodeKind] = []
            if c.hasMLP { kinds += [.mlpOut(l), .mlpIn(l)] }
            let heads = Array(stride(from: H - 1, through: 0, by: -1))
            kinds += heads.map { .result(l, head: $0) }
            for x in [QKV.v, .k, .q] { kinds += heads.map { .qkv(l, head: $0, x) } }
            for x in [QKV.v, .k, .q] { kinds += heads.map { .input(l, head: $0, x) } }
            order += kinds.map { index[$0]! }
        }
        order += (usePosEmbed ? [NodeKind.posEmbed, .tokenEmbed] : [.residPre]).map { index[$0]! }

        self.nodes = nodes
        self.edges = edges
        self.parentGroups = groups.map { $0.map { ParentGroup(hookName: $0.0, edges: $0.1) } }
        self.children = children
        self.order = order
        self.nodeIndex = index
        self.usePosEmbed = usePosEmbed
        self.nLayers = L
        self.nHeads = H
        self.hasMLP = c.hasMLP
    }

    /// `child[index]<-parent[index]|TYPE`, the fixtures' edge string.
    public func edgeString(_ e: Int, withType: Bool = true) -> String {
        let edge = edges[e]
        let s = nodes[edge.child].name + "<-" + nodes[edge.parent].name
        return withType ? s + "|" + edge.type.rawValue : s
    }

    /// Number of non-placeholder edges present in `mask` (the reference's `count_no_edges`).
    public func countEdges(_ mask: [Bool]) -> Int {
        var n = 0
        for (i, e) in edges.enumerated() where mask[i] && e.type != .placeholder { n += 1 }
        return n
    }

    /// Present edges as sorted edge strings (byte order, as Python's `sorted`).
    public func presentEdgeStrings(_ mask: [Bool], includePlaceholders: Bool = true) -> [String] {
        var out: [String] = []
        for (i, e) in edges.enumerated() where mask[i] && (includePlaceholders || e.type != .placeholder) {
            out.append(edgeString(i))
        }
        return out.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Edge index by edge string without `|TYPE` (built on demand: only
    /// readers of edge lists need it, and it costs a string per edge).
    public func makeEdgeLookup() -> [String: Int] {
        var m: [String: Int] = [:]
        for i in edges.indices { m[edgeString(i, withType: false)] = i }
        return m
    }
}
