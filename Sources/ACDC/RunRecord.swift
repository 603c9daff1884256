import Foundation

/// `RUN_DIR/result.json`: a human- and tool-readable account of a run
/// (options, where the inputs came from, the circuit and the trace).
public struct RunRecord {
    public static let format = "acdc-run/1"

    public var experimentPath: String
    public var modelPath: String
    public var options: ACDCOptions
    public var finished: Bool
    public var edgesKept: Int
    public var edgesTotal: Int
    public var finalMetric: Double
    /// Edges tested (the trace length).
    public var evaluations: Int
    /// Metric computations, including one per stepped node.
    public var metricCalls: Int
    public var seconds: Double
    public var presentEdges: [String]
    public var trace: [(edge: String, before: Double, after: Double, result: Double, removed: Bool)]
    public var effectSizes: [String: Double]

    public init(run: ACDCRun, experimentPath: String, modelPath: String, seconds: Double) {
        let g = run.graph, s = run.state
        self.experimentPath = experimentPath
        self.modelPath = modelPath
        self.options = run.options
        self.finished = run.isFinished
        self.edgesKept = run.edgeCount
        self.edgesTotal = g.countEdges(Array(repeating: true, count: g.edges.count))
        self.finalMetric = s.currentMetric
        self.evaluations = s.trace.count
        self.metricCalls = s.evaluations
        self.seconds = seconds
        self.presentEdges = g.presentEdgeStrings(s.present)
        self.trace = s.trace.map { (g.edgeString($0.edge, withType: false), $0.metricBefore, $0.metricAfter, $0.result, $0.removed) }
        var eff: [String: Double] = [:]
        for (i, e) in s.effectSize.enumerated() where s.present[i] && !e.isNaN { eff[g.edgeString(i)] = e }
        self.effectSizes = eff
    }

    public func json() -> JSONValue {
        func n(_ d: Double) -> JSONValue { .number(d) }
        return .object([
            ("format", .string(RunRecord.format)),
            ("experiment", .string(experimentPath)),
            ("model", .string(modelPath)),
            ("options", options.json()),
            ("finished", .bool(finished)),
            ("edges_kept", n(Double(edgesKept))),
            ("edges_total", n(Double(edgesTotal))),
            ("final_metric", n(finalMetric)),
            ("evaluations", n(Double(evaluations))),
            ("metric_calls", n(Double(metricCalls))),
            ("seconds", n(seconds)),
            ("present_edges", .array(presentEdges.map { .string($0) })),
            ("effect_sizes", .object(effectSizes.sorted { $0.key < $1.key }.map { ($0.key, n($0.value)) })),
            ("evaluation_trace", .array(trace.map {
                .object([("edge", .string($0.edge)), ("metric_before", n($0.before)), ("metric_after_removal", n($0.after)),
                         ("result", n($0.result)), ("decision", .string($0.removed ? "remove" : "keep"))])
            })),
        ])
    }

    public static func load(path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else { throw ACDCError("\(path): cannot read run result") }
        do { return try JSONValue.parse(Array(data)) } catch { throw ACDCError("\(path): corrupt run result (\(error))") }
    }
}
