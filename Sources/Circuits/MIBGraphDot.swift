import ACDC
import Foundation

/// Graphviz drawing of a circuit in the EAP-IG/MIB vocabulary (the graph
/// JSON `acdc select` and `acdc export --format mib` write): in-graph nodes
/// (input, a{l}.h{h}, m{l}, logits) ranked by layer, in-graph edges labelled
/// q/k/v where they enter a head, coloured by sign of the score (red
/// positive, blue negative) and drawn wider for larger |score|.
public enum MIBGraphDot {
    public static func render(json data: [UInt8], origin: String) throws -> String {
        let j: JSONValue
        do { j = try JSONValue.parse(data) } catch { throw ACDCError("\(origin): \(error)") }
        guard let edges = j["edges"]?.objectPairs, let nodes = j["nodes"]?.objectPairs else {
            throw ACDCError("\(origin): not an EAP-IG/MIB graph JSON (needs 'nodes' and 'edges' objects)")
        }
        let present = edges.filter { $0.1["in_graph"]?.bool == true }
        let largest = present.map { abs($0.1["score"]?.double ?? 0) }.max() ?? 0
        var used = Set<String>()
        var lines: [String] = []
        for (name, body) in present {
            guard let arrow = name.range(of: "->") else { throw ACDCError("\(origin): edge '\(name)' has no '->'") }
            let src = String(name[..<arrow.lowerBound])
            var dst = String(name[arrow.upperBound...]), label = ""
            if let lt = dst.firstIndex(of: "<") { label = String(dst[dst.index(after: lt)...].dropLast()); dst = String(dst[..<lt]) }
            used.insert(src); used.insert(dst)
            let s = body["score"]?.double ?? 0
            let width = largest > 0 ? 0.5 + 3.5 * abs(s) / largest : 1
            lines.append("  \"\(src)\" -> \"\(dst)\" [color=\"\(s >= 0 ? "#d62728" : "#1f77b4")\", penwidth=\(String(format: "%.2f", width))\(label.isEmpty ? "" : ", label=\"\(label)\"")];")
        }
        var out = "digraph circuit {\n  rankdir=BT;\n  node [shape=box, style=filled, fillcolor=\"#f2f2f2\", fontname=Helvetica];\n"
        for (n, _) in nodes where used.contains(n) { out += "  \"\(n)\";\n" }
        return out + lines.joined(separator: "\n") + "\n}\n"
    }
}
