import ACDC
import Foundation
import Transformer

/// A run directory as `acdc run` leaves it: `RUN_DIR/result.json`
/// (format acdc-run/1, see `RunRecord`), read back for exports and sweeps.
public struct RunResult {
    public let runDir: String
    public let json: JSONValue
    public let options: ACDCOptions
    public let finished: Bool
    public let experimentPath: String
    public let modelPath: String
    public let finalMetric: Double
    public let edgesKept: Int
    public let edgesTotal: Int
    public let evaluations: Int
    public let seconds: Double
    /// Every present edge, placeholders included, as written (sorted).
    public let presentEdges: [EdgeName]
    /// Signed effect size of every tested edge, keyed by `EdgeName.key`
    /// (the trace holds removed edges too; result.json's `effect_sizes` only kept ones).
    public let effectSizes: [String: Double]

    public var resultPath: String { RunResult.resultPath(runDir) }
    public static func resultPath(_ runDir: String) -> String { (runDir as NSString).appendingPathComponent("result.json") }

    public static func load(runDir: String) throws -> RunResult {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runDir, isDirectory: &isDir), isDir.boolValue else {
            throw ACDCError("\(runDir): no such run directory")
        }
        let path = resultPath(runDir)
        guard FileManager.default.fileExists(atPath: path) else {
            throw ACDCError("\(path): missing (not a finished `acdc run` directory; an interrupted run resumes with `acdc resume \(runDir)`)")
        }
        return try RunResult(json: try RunRecord.load(path: path), runDir: runDir, path: path)
    }

    public init(json j: JSONValue, runDir: String, path: String) throws {
        func fail(_ m: String) -> ACDCError { ACDCError("\(path): \(m)") }
        guard j["format"]?.string == RunRecord.format else {
            throw fail("'format' must be \"\(RunRecord.format)\", got \(j["format"]?.serialized() ?? "nothing")")
        }
        func number(_ k: String) throws -> Double {
            guard let d = j[k]?.double else { throw fail("missing number '\(k)'") }
            return d
        }
        func integer(_ k: String) throws -> Int {
            guard let i = j[k]?.int else { throw fail("missing integer '\(k)'") }
            return i
        }
        guard let o = j["options"] else { throw fail("missing 'options'") }
        self.options = try ACDCOptions(json: o, fail: fail)
        self.runDir = runDir
        self.json = j
        self.finished = j["finished"]?.bool ?? false
        self.experimentPath = j["experiment"]?.string ?? ""
        self.modelPath = j["model"]?.string ?? ""
        self.finalMetric = try number("final_metric")
        self.edgesKept = try integer("edges_kept")
        self.edgesTotal = try integer("edges_total")
        self.evaluations = try integer("evaluations")
        self.seconds = j["seconds"]?.double ?? 0
        guard let present = j["present_edges"]?.array else { throw fail("missing 'present_edges'") }
        self.presentEdges = try present.enumerated().map { i, v in
            guard let s = v.string, let e = EdgeName(parsing: s), e.type != nil else {
                throw fail("present_edges[\(i)] is not child<-parent|TYPE: \(v.serialized())")
            }
            return e
        }
        var effects: [String: Double] = [:]
        for t in j["evaluation_trace"]?.array ?? [] {
            if let s = t["edge"]?.string, let e = EdgeName(parsing: s), let r = t["result"]?.double { effects[e.key] = r }
        }
        for (k, v) in j["effect_sizes"]?.objectPairs ?? [] {
            if let e = EdgeName(parsing: k), let d = v.double { effects[e.key] = d }
        }
        self.effectSizes = effects
    }

    /// Present non-placeholder edges (what ROC and the reference's counts use).
    public var presentNonPlaceholder: [EdgeName] { presentEdges.filter { $0.type != .placeholder } }

    /// Every edge name the record mentions (present or tested).
    var mentionedNodeNames: [String] {
        presentEdges.flatMap { [$0.child, $0.parent] } + effectSizes.keys.flatMap { k -> [String] in
            EdgeName(parsing: k).map { [$0.child, $0.parent] } ?? []
        }
    }

    /// Rebuilds the run's full computational graph from the model's config
    /// (graph shape only; no weights are read) and the run's present mask.
    public func graph() throws -> (graph: ComputationalGraph, present: [Bool]) {
        let g = ComputationalGraph(config: try modelConfig(), usePosEmbed: try usesPosEmbed())
        let lookup = g.makeEdgeLookup()
        var present = [Bool](repeating: false, count: g.edges.count)
        for e in presentEdges {
            guard let i = lookup[e.key] else {
                throw ACDCError("\(resultPath): edge \(e.key) is not in the graph of the model at \(modelPath)")
            }
            present[i] = true
        }
        return (g, present)
    }

    /// The run's model configuration (`config.json` only; no weights are read).
    public func modelConfig() throws -> ModelConfig {
        do { return try HookedTransformer.config(directory: modelPath) } catch let e as ModelError {
            throw ACDCError("\(resultPath): cannot rebuild the run's graph: \(e.message)")
        }
    }

    /// Whether the graph has separate token/positional embedding nodes: read
    /// off the edges the record names (a run always tests the output node's
    /// embedding edges first), else from the experiment file.
    func usesPosEmbed() throws -> Bool {
        for n in mentionedNodeNames {
            if n.hasPrefix("hook_embed[") || n.hasPrefix("hook_pos_embed[") { return true }
            if n.hasPrefix("blocks.0.hook_resid_pre[") { return false }
        }
        return try Experiment.load(path: experimentPath).usePosEmbed
    }
}
