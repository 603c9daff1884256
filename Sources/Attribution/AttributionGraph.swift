import ACDC
import Transformer

/// The graph of the EAP-IG library (the MIB circuit track's): nodes `input`
/// (the token embedding only), `a{l}.h{h}` (a head's `z·W_O` without b_O),
/// `m{l}` (the MLP output with b_out) and `logits`; edges from every sender
/// upstream in the residual stream to each receiver input: a head's q, k or v
/// input, an MLP's input, the final residual. Edge order and names are the
/// library's. The library builds MLP nodes from the layer count alone, so an
/// attention-only model keeps `m{l}` nodes whose edges always score 0.
public struct AttributionGraph: Sendable {
    public enum Node: Hashable, Sendable {
        case input, head(layer: Int, head: Int), mlp(layer: Int), logits
        public var name: String {
            switch self {
            case .input: return "input"
            case .head(let l, let h): return "a\(l).h\(h)"
            case .mlp(let l): return "m\(l)"
            case .logits: return "logits"
            }
        }
    }

    /// Where an edge enters its child.
    public enum Receiver: Hashable, Sendable {
        case head(layer: Int, head: Int, QKV), mlp(layer: Int), logits
        public var node: Node {
            switch self {
            case .head(let l, let h, _): return .head(layer: l, head: h)
            case .mlp(let l): return .mlp(layer: l)
            case .logits: return .logits
            }
        }
    }

    public struct Edge: Sendable, Equatable {
        /// Index into `senders`.
        public let sender: Int
        /// Index into `receivers`.
        public let receiver: Int
        public let name: String
    }

    public let nLayers: Int, nHeads: Int
    /// Sender nodes in forward order: input, then per layer its heads and its MLP.
    public let senders: [Node]
    /// Receivers: per layer each head's q, k, v (head-major), then the MLP; finally logits.
    public let receivers: [Receiver]
    public let edges: [Edge]
    public let edgeIndex: [String: Int]

    public init(nLayers L: Int, nHeads H: Int) {
        nLayers = L; nHeads = H
        var senders: [Node] = [.input]
        var receivers: [Receiver] = []
        for l in 0..<L {
            for h in 0..<H { senders.append(.head(layer: l, head: h)) }
            senders.append(.mlp(layer: l))
            for h in 0..<H { for k in QKV.allCases { receivers.append(.head(layer: l, head: h, k)) } }
            receivers.append(.mlp(layer: l))
        }
        receivers.append(.logits)
        let senderIndex = Dictionary(uniqueKeysWithValues: senders.enumerated().map { ($1, $0) })
        let receiverIndex = Dictionary(uniqueKeysWithValues: receivers.enumerated().map { ($1, $0) })
        var edges: [Edge] = []
        func add(_ u: Node, _ r: Receiver) {
            var name = u.name + "->" + r.node.name
            if case .head(_, _, let k) = r { name += "<\(k.letter)>" }
            edges.append(Edge(sender: senderIndex[u]!, receiver: receiverIndex[r]!, name: name))
        }
        // Senders upstream of layer l's heads: input and every node of earlier layers.
        var upstream: [Node] = [.input]
        for l in 0..<L {
            for u in upstream { for h in 0..<H { for k in QKV.allCases { add(u, .head(layer: l, head: h, k)) } } }
            upstream += (0..<H).map { .head(layer: l, head: $0) }
            for u in upstream { add(u, .mlp(layer: l)) }
            upstream.append(.mlp(layer: l))
        }
        for u in upstream { add(u, .logits) }
        self.senders = senders; self.receivers = receivers; self.edges = edges
        edgeIndex = Dictionary(uniqueKeysWithValues: edges.enumerated().map { ($1.name, $0) })
    }

    public init(config c: ModelConfig) { self.init(nLayers: c.nLayers, nHeads: c.nHeads) }

    /// The child node of edge `e`, and its parent.
    public func child(_ e: Int) -> Node { receivers[edges[e].receiver].node }
    public func parent(_ e: Int) -> Node { senders[edges[e].sender] }

    /// All node names in the library's order: input, per layer heads then MLP, logits.
    public var nodeNames: [String] { senders.map(\.name) + ["logits"] }

    /// Edge index by name, or a one-line error naming `origin`.
    public func index(of name: String, origin: String) throws -> Int {
        guard let i = edgeIndex[name] else {
            throw ACDCError("\(origin): '\(name)' is not an edge of this model's attribution graph (\(nLayers) layers, \(nHeads) heads)")
        }
        return i
    }
}
