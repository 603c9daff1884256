import ACDC
import Foundation
import Tasks

/// The circuit a task run found next to the task's canonical circuit: counts,
/// precision/recall, and the differing edges (a few, then a count).
struct CircuitReport {
    let task: String
    let comparison: CircuitComparison
    static let shownEdges = 12
    static let sideBySideLimit = 40

    /// nil unless the run came from `--task` with a canonical circuit.
    init?(source: ExperimentSource, record: RunRecord) throws {
        guard let name = source.task, let canonical = try source.canonicalCircuit() else { return nil }
        task = name
        comparison = CircuitComparison(found: record.presentEdges, canonical: canonical)
    }

    var text: String {
        let c = comparison
        var lines = [
            "canonical circuit of \(task): \(c.canonicalCount) edges; found \(c.foundCount): "
            + "\(c.both.count) in both, \(c.onlyFound.count) only found, \(c.onlyCanonical.count) only canonical; "
            + String(format: "precision %.3f, recall %.3f", c.precision, c.recall),
        ]
        // Small circuits (the tracr tasks): every edge side by side.
        let union = Set(c.both + c.onlyFound + c.onlyCanonical).sorted()
        if union.count <= Self.sideBySideLimit {
            let found = Set(c.both + c.onlyFound), canonical = Set(c.both + c.onlyCanonical)
            let width = union.map(\.count).max() ?? 0
            func pad(_ s: String) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
            lines.append("  \(pad("edge"))  found  canonical")
            for e in union {
                lines.append("  \(pad(e))  \(found.contains(e) ? "  x  " : "     ")  \(canonical.contains(e) ? "    x" : "")")
            }
            return lines.joined(separator: "\n")
        }
        func list(_ sign: String, _ edges: [String]) {
            for e in edges.prefix(Self.shownEdges) { lines.append("  \(sign) \(e)") }
            if edges.count > Self.shownEdges { lines.append("  \(sign) ... \(edges.count - Self.shownEdges) more") }
        }
        list("+", c.onlyFound)
        list("-", c.onlyCanonical)
        return lines.joined(separator: "\n")
    }

    var jsonFields: [(String, JSONValue)] {
        let c = comparison
        func strings(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }
        return [("canonical_circuit", .object([
            ("task", .string(task)), ("canonical_edges", .number(Double(c.canonicalCount))),
            ("found_edges", .number(Double(c.foundCount))), ("both", .number(Double(c.both.count))),
            ("precision", .number(c.precision)), ("recall", .number(c.recall)),
            ("only_found", strings(c.onlyFound)), ("only_canonical", strings(c.onlyCanonical)),
        ]))]
    }
}
