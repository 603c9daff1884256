import ACDC
import Transformer

/// The two graph vocabularies on one footing. A library edge `u->v` is the
/// ACDC edge from u's output hook (`hook_result[h]`, `hook_mlp_out`, the
/// embedding node) to v's input hook (`hook_{q,k,v}_input[h]`,
/// `hook_mlp_in`, `hook_resid_post` of the last layer). The ACDC embedding
/// node is the token plus positional embedding (or `hook_embed` when the
/// experiment splits them); since clean and corrupted rows share positions,
/// its clean-vs-corrupted difference is the library's `input`'s. ACDC's
/// q/k/v→head and placeholder edges (and `hook_pos_embed`'s edges) have no
/// library counterpart and stay present. The library's `m{l}` edges of an
/// attention-only model have no ACDC counterpart: they carry nothing.
public struct GraphConversion: Sendable {
    public let attribution: AttributionGraph
    public let acdc: ComputationalGraph
    /// ACDC edge of each library edge (nil: no counterpart).
    public let acdcEdge: [Int?]
    /// Library edge of each ACDC edge (nil: ACDC-only edge).
    public let libraryEdge: [Int?]

    public init(attribution a: AttributionGraph, acdc g: ComputationalGraph) {
        attribution = a; acdc = g
        var byEnds: [Int: [Int: Int]] = [:]
        for (i, e) in g.edges.enumerated() { byEnds[e.parent, default: [:]][e.child] = i }
        let embedding = g.nodeIndex[g.usePosEmbed ? .tokenEmbed : .residPre]
        var map: [Int?] = []
        var back = [Int?](repeating: nil, count: g.edges.count)
        for (i, e) in a.edges.enumerated() {
            let parent: Int?
            switch a.senders[e.sender] {
            case .input: parent = embedding
            case .head(let l, let h): parent = g.nodeIndex[.result(l, head: h)]
            case .mlp(let l): parent = g.nodeIndex[.mlpOut(l)]
            case .logits: parent = nil
            }
            let child: Int?
            switch a.receivers[e.receiver] {
            case .head(let l, let h, let k): child = g.nodeIndex[.input(l, head: h, k)]
            case .mlp(let l): child = g.nodeIndex[.mlpIn(l)]
            case .logits: child = g.nodeIndex[.output(layer: g.nLayers - 1)]
            }
            let edge = parent.flatMap { p in child.flatMap { byEnds[p]?[$0] } }
            map.append(edge)
            if let edge { back[edge] = i }
        }
        acdcEdge = map; libraryEdge = back
    }

    /// The ACDC mask of a library circuit: its edges present, the other
    /// library edges absent, every ACDC-only edge present.
    public func acdcMask(present: [Bool]) -> [Bool] {
        var mask = [Bool](repeating: true, count: acdc.edges.count)
        for (i, e) in acdcEdge.enumerated() { if let e { mask[e] = present[i] } }
        return mask
    }

    /// The library circuit of an ACDC mask: a library edge is present when
    /// its ACDC counterpart is. (ACDC-only edges a circuit removed, such as
    /// q/k/v→head, have no library counterpart and are dropped.)
    public func libraryPresent(acdcMask mask: [Bool]) -> [Bool] {
        acdcEdge.map { $0.map { mask[$0] } ?? false }
    }
}
