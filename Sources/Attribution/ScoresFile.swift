import ACDC
import Foundation
import Transformer

/// `scores.json` of `acdc attribute` (`acdc-scores/1`): the method, its
/// steps, the metric, every edge's score in the library's order and naming,
/// and what the scores belong to (the experiment and the model's shape, with
/// a fingerprint of the tokens and metric), so that `select` and
/// `faithfulness` can refuse scores of another model or experiment.
public struct ScoresFile: Sendable {
    public static let format = "acdc-scores/1"

    public var method: AttributionMethod
    public var igSteps: Int?
    public var metric: String
    public var experimentName: String
    /// The experiment file (absolute), or the task name, it was computed from.
    public var experimentSource: String
    public var modelPath: String
    public var nLayers: Int, nHeads: Int
    public var fingerprint: String
    public var edges: [String]
    public var scores: [Float]
    public var seconds: Double

    public init(method: AttributionMethod, igSteps: Int?, metric: String, experiment: Experiment, experimentSource: String,
                config: ModelConfig, edges: [String], scores: [Float], seconds: Double) {
        self.method = method; self.igSteps = igSteps; self.metric = metric; experimentName = experiment.name
        self.experimentSource = experimentSource; modelPath = experiment.modelPath
        nLayers = config.nLayers; nHeads = config.nHeads
        fingerprint = ScoresFile.fingerprint(experiment: experiment, metric: metric, config: config)
        self.edges = edges; self.scores = scores; self.seconds = seconds
    }

    /// FNV-1a (64 bit) over the model's shape, the metric's name and the clean and corrupted tokens.
    public static func fingerprint(experiment e: Experiment, metric: String, config c: ModelConfig) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        func mix<S: Sequence>(_ bytes: S) where S.Element == UInt8 { for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 } }
        mix("\(c.nLayers) \(c.nHeads) \(c.dModel) \(c.dVocab) \(metric) \(e.clean.rows)x\(e.clean.seqLen)".utf8)
        for t in e.clean.ids + e.corrupted.ids { withUnsafeBytes(of: t.littleEndian) { mix($0) } }
        return String(h, radix: 16)
    }

    public func json() -> String {
        let doc: JSONValue = .object([
            ("format", .string(ScoresFile.format)), ("method", .string(method.rawValue)),
            ("ig_steps", igSteps.map { .number(Double($0)) } ?? .null), ("metric", .string(metric)),
            ("experiment", .string(experimentName)), ("experiment_source", .string(experimentSource)),
            ("model", .string(modelPath)), ("n_layers", .number(Double(nLayers))), ("n_heads", .number(Double(nHeads))),
            ("fingerprint", .string(fingerprint)), ("seconds", .number(seconds)),
            ("scores", .array(zip(edges, scores).map { .object([("edge", .string($0)), ("score", .number(Double($1)))]) })),
        ])
        return doc.serialized(indent: 1) + "\n"
    }

    /// Reads `path` (a scores.json, or a directory holding one).
    public static func load(path given: String) throws -> ScoresFile {
        var isDir: ObjCBool = false
        let path = FileManager.default.fileExists(atPath: given, isDirectory: &isDir) && isDir.boolValue
            ? (given as NSString).appendingPathComponent("scores.json") : given
        guard let data = FileManager.default.contents(atPath: path) else { throw ACDCError("\(path): cannot read scores file (missing?)") }
        func fail(_ m: String) -> ACDCError { ACDCError("\(path): \(m)") }
        let j: JSONValue
        do { j = try JSONValue.parse(Array(data)) } catch { throw fail("\(error)") }
        guard j["format"]?.string == format else { throw fail("'format' must be \"\(format)\"") }
        guard let m = j["method"]?.string else { throw fail("missing 'method'") }
        let method: AttributionMethod
        do { method = try AttributionMethod.parse(m) } catch let e as ACDCError { throw fail(e.message) }
        func str(_ k: String) throws -> String { guard let s = j[k]?.string else { throw fail("missing '\(k)'") }; return s }
        func int(_ k: String) throws -> Int { guard let s = j[k]?.int, s > 0 else { throw fail("missing or bad '\(k)'") }; return s }
        guard let list = j["scores"]?.array else { throw fail("missing 'scores' list") }
        var edges: [String] = [], scores: [Float] = []
        for (i, e) in list.enumerated() {
            guard let name = e["edge"]?.string, let s = e["score"]?.double, s.isFinite else {
                throw fail("scores[\(i)] needs an 'edge' name and a finite 'score'")
            }
            edges.append(name); scores.append(Float(s))
        }
        var f = ScoresFile(method: method, igSteps: j["ig_steps"]?.int, metric: try str("metric"), experimentName: try str("experiment"),
                           experimentSource: try str("experiment_source"), modelPath: try str("model"),
                           nLayers: try int("n_layers"), nHeads: try int("n_heads"), fingerprint: try str("fingerprint"),
                           edges: edges, scores: scores, seconds: j["seconds"]?.double ?? 0)
        f.path = path
        let expected = AttributionGraph(nLayers: f.nLayers, nHeads: f.nHeads).edges.map(\.name)
        guard edges == expected else {
            throw fail("the edges are not those of a \(f.nLayers)-layer, \(f.nHeads)-head model in the library's order")
        }
        return f
    }

    /// Where it was read from.
    public var path: String? = nil

    init(method: AttributionMethod, igSteps: Int?, metric: String, experimentName: String, experimentSource: String, modelPath: String,
         nLayers: Int, nHeads: Int, fingerprint: String, edges: [String], scores: [Float], seconds: Double) {
        self.method = method; self.igSteps = igSteps; self.metric = metric; self.experimentName = experimentName
        self.experimentSource = experimentSource; self.modelPath = modelPath; self.nLayers = nLayers; self.nHeads = nHeads
        self.fingerprint = fingerprint; self.edges = edges; self.scores = scores; self.seconds = seconds
    }

    /// Refuses scores computed for another model or experiment.
    public func check(matches experiment: Experiment, config: ModelConfig) throws {
        let origin = path ?? "scores"
        guard nLayers == config.nLayers, nHeads == config.nHeads else {
            throw ACDCError("\(origin): scores of a \(nLayers)-layer, \(nHeads)-head model, but the model has \(config.nLayers) layers and \(config.nHeads) heads")
        }
        guard fingerprint == ScoresFile.fingerprint(experiment: experiment, metric: metric, config: config) else {
            throw ACDCError("\(origin): scores of another experiment or metric ('\(experimentName)', metric '\(metric)') than '\(experiment.name)'")
        }
    }

    /// The graph the scores belong to.
    public var graph: AttributionGraph { AttributionGraph(nLayers: nLayers, nHeads: nHeads) }
}

/// A circuit in the library's vocabulary as files: an edge list (one
/// `parent->child[<x>]` per line) and the EAP-IG/MIB graph JSON with scores.
public enum CircuitFiles {
    public static func edgeList(graph: AttributionGraph, present: [Bool]) -> String {
        graph.edges.indices.filter { present[$0] }.map { graph.edges[$0].name + "\n" }.joined()
    }

    /// EAP-IG's `Graph.to_json`: `cfg`, `nodes` {name: {in_graph}}, `edges` {name: {score, in_graph}}.
    public static func graphJSON(graph: AttributionGraph, present: [Bool], scores: [Float]?, dModel: Int?) -> String {
        let nodes = Set(Selection.nodeNames(graph: graph, present: present))
        var cfg: [(String, JSONValue)] = [("n_layers", .number(Double(graph.nLayers))), ("n_heads", .number(Double(graph.nHeads))),
                                          ("parallel_attn_mlp", .bool(false))]
        if let dModel { cfg.append(("d_model", .number(Double(dModel)))) }
        let doc: JSONValue = .object([
            ("cfg", .object(cfg)),
            ("nodes", .object(graph.nodeNames.map { ($0, .object([("in_graph", .bool(nodes.contains($0)))])) })),
            ("edges", .object(graph.edges.enumerated().map { i, e in
                (e.name, .object([("score", .number(Double(scores?[i] ?? 0))), ("in_graph", .bool(present[i]))]))
            })),
        ])
        return doc.serialized() + "\n"
    }

    /// Reads a circuit in the library's vocabulary: graph JSON (edges with
    /// `in_graph`) or an edge list (one name per line, `#` comments, blank lines).
    public static func load(path: String, graph: AttributionGraph) throws -> [Bool] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ACDCError("\(path): cannot read circuit file (missing?)") }
        var present = [Bool](repeating: false, count: graph.edges.count)
        let text = String(decoding: data, as: UTF8.self)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
            let j: JSONValue
            do { j = try JSONValue.parse(Array(data)) } catch { throw ACDCError("\(path): \(error)") }
            guard let edges = j["edges"]?.objectPairs else { throw ACDCError("\(path): graph JSON needs an 'edges' object") }
            for (name, body) in edges {
                let i = try graph.index(of: name, origin: path)
                guard let b = body["in_graph"]?.bool else { throw ACDCError("\(path): edge '\(name)' has no boolean 'in_graph'") }
                present[i] = b
            }
            return present
        }
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            if line.isEmpty { continue }
            guard let i = graph.edgeIndex[line] else {
                throw ACDCError("\(path):\(n + 1): '\(line)' is not an edge of this model's attribution graph")
            }
            present[i] = true
        }
        return present
    }

    /// Whether a file holds a circuit in the library's vocabulary (graph JSON
    /// with a `cfg`, or edge names with `->`) rather than ACDC's edge list.
    public static func isLibraryCircuit(path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        let text = String(decoding: data, as: UTF8.self)
        if let j = try? JSONValue.parse(Array(data)), j["cfg"] != nil, j["edges"]?.objectPairs != nil { return true }
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        return !lines.isEmpty && lines.allSatisfy { $0.contains("->") && !$0.contains("<-") }
    }
}
