import ACDC
import Foundation

/// Graphviz drawing of a circuit following the reference's conventions
/// (ACDC.md §6.3): short labels (`a0.0_q`, `m3`, `embed`, `resid_post`),
/// filled rounded boxes in Helvetica, an edge per present tested
/// non-placeholder edge, self-loops after relabelling dropped (which hides
/// q/k/v→result and mlp_in→mlp_out), pen width 2·max(0.3, effect size).
public struct DotExport {
    public enum EdgeColors: String, Sendable, CaseIterable {
        /// The reference's `edge_type_colouring`: ADDITION red, DIRECT_COMPUTATION green, PLACEHOLDER blue.
        case type
        /// The reference's default: the parent node's colour.
        case parent
    }

    public var edgeColors: EdgeColors = .type
    /// Full `name[index]` labels instead of short ones (`show_full_index`).
    public var fullLabels = false

    public init(edgeColors: EdgeColors = .type, fullLabels: Bool = false) {
        self.edgeColors = edgeColors; self.fullLabels = fullLabels
    }

    /// ColorBrewer Pastel2, the reference's palette for head nodes.
    static let pastel2 = ["#b3e2cd", "#fdcdac", "#cbd5e8", "#f4cae4", "#e6f5c9", "#fff2ae", "#f1e2cc", "#cccccc"]

    public static func typeColor(_ t: EdgeType) -> String {
        switch t {
        case .addition: return "#FF0000"
        case .directComputation: return "#00FF00"
        case .placeholder: return "#0000FF"
        }
    }

    /// The reference's fixed colours for embeddings, output and MLPs; heads get
    /// a Pastel2 colour chosen by a hash of their label (the reference draws
    /// one at random; a hash keeps exports reproducible).
    public static func nodeColor(_ n: NodeKind) -> String {
        switch n {
        case .residPre, .tokenEmbed, .posEmbed: return "#cbd5e8"
        case .output: return "#fff2ae"
        case .mlpIn, .mlpOut: return "#f0f0f0"
        default:
            var h: UInt64 = 0xcbf29ce484222325 // FNV-1a
            for b in n.shortLabel.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
            let colours = pastel2.filter { $0 != "#cbd5e8" && $0 != "#fff2ae" }
            return colours[Int(h % UInt64(colours.count))]
        }
    }

    func label(_ n: NodeKind) -> String { fullLabels ? n.name : n.shortLabel }

    public func render(_ c: Circuit) -> String {
        var nodes: [(String, NodeKind)] = []
        var seenNodes = Set<String>()
        var lines: [String] = []
        var seenEdges = Set<String>()
        for l in c.links where l.type != .placeholder {
            guard let effect = l.effectSize else { continue }
            let from = label(l.parent), to = label(l.child)
            if from == to { continue }
            guard seenEdges.insert(from + "\u{0}" + to).inserted else { continue }
            for (s, n) in [(from, l.parent), (to, l.child)] where seenNodes.insert(s).inserted { nodes.append((s, n)) }
            let colour = edgeColors == .type ? DotExport.typeColor(l.type) : DotExport.nodeColor(l.parent)
            let width = 2 * max(0.3, effect)
            lines.append("  \(quote(from)) -> \(quote(to)) [color=\"\(colour)\", penwidth=\"\(format(width))\", tooltip=\(quote(l.name.key + " (" + l.type.rawValue + ", effect " + format(effect) + ")"))];")
        }
        var out = "digraph ACDC {\n"
        out += "  graph [bgcolor=\"transparent\", overlap=\"false\", splines=\"true\", layout=\"dot\"];\n"
        out += "  node [shape=\"box\", style=\"filled, rounded\", color=\"black\", fontname=\"Helvetica\"];\n"
        for (s, n) in nodes {
            out += "  \(quote(s)) [label=<\(htmlEscape(s))>, fillcolor=\"\(DotExport.nodeColor(n))\"];\n"
        }
        out += lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
        out += "}\n"
        return out
    }

    func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    func htmlEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    func format(_ d: Double) -> String { String(format: "%.6g", d) }
}
