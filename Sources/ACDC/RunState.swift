/// One tested edge, in the order ACDC tested it.
public struct EdgeEvaluation: Codable, Equatable, Sendable {
    /// Index of the edge in `ComputationalGraph.edges` (stored order).
    public var edge: Int
    public var metricBefore: Double
    public var metricAfter: Double
    /// `metricAfter − metricBefore`, before any `abs()`.
    public var result: Double
    public var removed: Bool

    public init(edge: Int, metricBefore: Double, metricAfter: Double, result: Double, removed: Bool) {
        self.edge = edge; self.metricBefore = metricBefore; self.metricAfter = metricAfter
        self.result = result; self.removed = removed
    }
}

/// Everything that changes while ACDC runs. A run is a pure function of
/// (model, experiment, options); this state plus those three resumes it exactly.
public struct ACDCState: Codable, Equatable, Sendable {
    /// Per edge (stored order): still in the graph.
    public var present: [Bool]
    /// Per edge: signed effect size of its last test, NaN if never tested.
    public var effectSize: [Double]
    /// Position in the node order of the next node to step; `nodeCount` when done.
    public var cursor: Int
    /// The running metric ACDC compares against.
    public var currentMetric: Double
    /// Every evaluation so far.
    public var trace: [EdgeEvaluation]
    /// Metric evaluations (forward passes' worth) spent so far.
    public var evaluations: Int

    public init(present: [Bool], effectSize: [Double], cursor: Int, currentMetric: Double,
                trace: [EdgeEvaluation] = [], evaluations: Int = 0) {
        self.present = present; self.effectSize = effectSize; self.cursor = cursor
        self.currentMetric = currentMetric; self.trace = trace; self.evaluations = evaluations
    }
}
