import ACDC

/// `acdc export --format json`: the circuit with nodes, typed edges, effect
/// sizes and the run's options in one self-describing document.
public enum JSONExport {
    public static let format = "acdc-circuit/1"

    public static func render(_ c: Circuit) -> String {
        let r = c.run
        func num(_ d: Double?) -> JSONValue { d.map { $0.isFinite ? .number($0) : .null } ?? .null }
        func int(_ i: Int?) -> JSONValue { i.map { .number(Double($0)) } ?? .null }
        var counts: [EdgeType: Int] = [:]
        for l in c.links { counts[l.type, default: 0] += 1 }
        let doc: JSONValue = .object([
            ("format", .string(format)),
            ("run_dir", .string(r.runDir)),
            ("experiment", .string(r.experimentPath)),
            ("model", .string(r.modelPath)),
            ("options", r.options.json()),
            ("finished", .bool(r.finished)),
            ("final_metric", num(r.finalMetric)),
            ("edges_kept", int(r.edgesKept)),
            ("edges_total", int(r.edgesTotal)),
            ("edge_types", .object([EdgeType.addition, .directComputation, .placeholder].map { ($0.rawValue, int(counts[$0] ?? 0)) })),
            ("nodes", .array(c.nodes.map { n in
                .object([("name", .string(n.name)), ("label", .string(n.shortLabel)), ("hook", .string(n.hookName)),
                         ("kind", .string(n.kindName)), ("layer", n.layer >= 0 ? int(n.layer) : .null), ("head", int(n.head))])
            })),
            ("edges", .array(c.links.map { l in
                .object([("child", .string(l.child.name)), ("parent", .string(l.parent.name)),
                         ("type", .string(l.type.rawValue)), ("effect_size", num(l.effectSize))])
            })),
        ])
        return doc.serialized(indent: 1) + "\n"
    }
}
