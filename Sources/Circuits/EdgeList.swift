import ACDC
import Foundation

/// One edge read from an edge-list file, with where it came from for errors.
public struct EdgeListEntry: Sendable {
    public let location: String
    public let edge: EdgeName
}

/// Edge-list files as `acdc export --format edges` writes them: one
/// `child[index]<-parent[index]` per line, `|TYPE` optional, blank lines and
/// `#` comments ignored. A JSON file with a list of such strings (or an object
/// whose "edges" is one, like tasks' ground_truth.json) is read too.
public enum EdgeList {
    public static func load(path: String) throws -> [EdgeListEntry] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ACDCError("\(path): cannot read edge list (missing?)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ACDCError("\(path): not UTF-8 text") }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> [EdgeListEntry] {
        let trimmed = text.drop { $0.isWhitespace }
        if trimmed.first == "{" || trimmed.first == "[" { return try parseJSON(text, file: file) }
        var out: [EdgeListEntry] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let content = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if content.isEmpty { continue }
            guard let e = EdgeName(parsing: content) else {
                throw ACDCError("\(file):\(lineNumber): expected child[index]<-parent[index] with optional |ADDITION, |DIRECT_COMPUTATION or |PLACEHOLDER, got '\(content)'")
            }
            out.append(EdgeListEntry(location: "\(file):\(lineNumber)", edge: e))
        }
        return out
    }

    private static func parseJSON(_ text: String, file: String) throws -> [EdgeListEntry] {
        let j: JSONValue
        do { j = try JSONValue.parse(Array(text.utf8)) } catch { throw ACDCError("\(file): \(error)") }
        guard let list = j.array ?? j["edges"]?.array else {
            throw ACDCError("\(file): expected a JSON list of edge strings or an object with an \"edges\" list")
        }
        return try list.enumerated().map { i, v in
            guard let s = v.string, let e = EdgeName(parsing: s) else {
                throw ACDCError("\(file): edges[\(i)] is not an edge string child[index]<-parent[index]: \(v.serialized())")
            }
            return EdgeListEntry(location: "\(file): edges[\(i)]", edge: e)
        }
    }

    /// The edge mask of `entries` on `graph`: listed edges present, all others
    /// absent. Unknown edges and wrong types are errors naming file and line.
    public static func mask(_ entries: [EdgeListEntry], graph: ComputationalGraph) throws -> [Bool] {
        let lookup = graph.makeEdgeLookup()
        var mask = [Bool](repeating: false, count: graph.edges.count)
        for entry in entries {
            guard let i = lookup[entry.edge.key] else {
                throw ACDCError("\(entry.location): unknown edge '\(entry.edge.key)' (not in this model's graph)")
            }
            if let t = entry.edge.type, t != graph.edges[i].type {
                throw ACDCError("\(entry.location): edge '\(entry.edge.key)' is \(graph.edges[i].type.rawValue) in this graph, the file says \(t.rawValue)")
            }
            mask[i] = true
        }
        return mask
    }
}
