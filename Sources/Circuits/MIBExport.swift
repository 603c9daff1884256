import ACDC
import Transformer

/// The circuit as an EAP-IG / MIB graph JSON (`Graph.to_json` of EAP-IG,
/// the format the MIB circuit-localisation track reads): top-level `cfg`,
/// `nodes` (`input`, `a{L}.h{H}`, `m{L}`, `logits`, each `{"in_graph"}`),
/// `edges` (`src->dst`, with `<q>`/`<k>`/`<v>` for attention inputs, each
/// `{"score", "in_graph"}`), nodes and edges in EAP-IG's construction order.
///
/// Mapping from ACDC's finer graph:
/// * `hook_resid_pre`, or both `hook_embed` and `hook_pos_embed`, become
///   `input`; with two embedding nodes an `input` edge is in the graph when
///   either ACDC edge is, and its score is the one of larger magnitude.
/// * ACDC's q/k/v DIRECT_COMPUTATION edge has no MIB counterpart: removing it
///   freezes that input at its ablated value, which in MIB terms removes every
///   edge into `a{L}.h{H}<q>`, so those edges are in the graph only while it is present.
/// * PLACEHOLDER edges are internal to a head or MLP and have no counterpart.
/// * `score` is ACDC's signed effect size (metric change when the edge was
///   tested), 0 for edges never tested. `in_graph` is exactly "not ablated";
///   a node whose inputs are all ablated keeps its outgoing edges (ACDC's
///   semantics) where EAP-IG's `prune()` would drop them.
/// * Attention-only models have no `m{L}` nodes.
public enum MIBExport {
    public static func render(graph g: ComputationalGraph, present: [Bool], effectSizes: [Double?], dModel: Int) -> String {
        struct Info { var inGraph = false; var score: Double? = nil }
        var info: [String: Info] = [:]
        let dcPresent: [NodeKind: Bool] = {
            var m: [NodeKind: Bool] = [:]
            for (i, e) in g.edges.enumerated() where e.type == .directComputation { m[g.nodes[e.parent]] = present[i] }
            return m
        }()
        for (i, e) in g.edges.enumerated() where e.type == .addition {
            guard let name = mibEdgeName(child: g.nodes[e.child], parent: g.nodes[e.parent]) else { continue }
            let inputOpen = dcPresent[g.nodes[e.child]] ?? true
            var x = info[name] ?? Info()
            x.inGraph = x.inGraph || (present[i] && inputOpen)
            if let s = effectSizes[i], abs(s) > abs(x.score ?? 0) || x.score == nil { x.score = s }
            info[name] = x
        }

        // EAP-IG's graph construction order.
        var nodeNames = ["input"]
        var edgeNames: [String] = []
        var residual = ["input"]
        for l in 0..<g.nLayers {
            let heads = (0..<g.nHeads).map { "a\(l).h\($0)" }
            nodeNames += heads
            for src in residual { for h in heads { for x in ["q", "k", "v"] { edgeNames.append("\(src)->\(h)<\(x)>") } } }
            residual += heads
            if g.hasMLP {
                nodeNames.append("m\(l)")
                for src in residual { edgeNames.append("\(src)->m\(l)") }
                residual.append("m\(l)")
            }
        }
        for src in residual { edgeNames.append("\(src)->logits") }
        nodeNames.append("logits")

        var touched = Set<String>(["logits"])
        for n in edgeNames where info[n]?.inGraph == true {
            let parts = n.split(separator: ">", maxSplits: 1)
            touched.insert(String(parts[0].dropLast()))
            touched.insert(String(parts[1].split(separator: "<")[0]))
        }
        let doc: JSONValue = .object([
            ("cfg", .object([("n_layers", .number(Double(g.nLayers))), ("n_heads", .number(Double(g.nHeads))),
                             ("parallel_attn_mlp", .bool(false)), ("d_model", .number(Double(dModel)))])),
            ("nodes", .object(nodeNames.map { ($0, .object([("in_graph", .bool(touched.contains($0)))])) })),
            ("edges", .object(edgeNames.map { n in
                let x = info[n] ?? Info()
                let s = x.score ?? 0
                return (n, .object([("score", .number(s.isFinite ? s : 0)), ("in_graph", .bool(x.inGraph))]))
            })),
        ])
        return doc.serialized() + "\n"
    }

    /// `src->dst[<x>]` for an ACDC ADDITION edge.
    static func mibEdgeName(child: NodeKind, parent: NodeKind) -> String? {
        let src: String
        switch parent {
        case .result(let l, let h): src = "a\(l).h\(h)"
        case .mlpOut(let l): src = "m\(l)"
        case .residPre, .tokenEmbed, .posEmbed: src = "input"
        default: return nil
        }
        switch child {
        case .output: return "\(src)->logits"
        case .mlpIn(let l): return "\(src)->m\(l)"
        case .input(let l, let h, let x): return "\(src)->a\(l).h\(h)<\(x.letter)>"
        default: return nil
        }
    }
}
