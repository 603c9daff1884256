import Kernels
import Transformer

/// Computes the search metric of a graph state. Implementations must be
/// deterministic functions of the edge mask: ACDC's answer is a function of
/// the sequence of metric values it sees.
public protocol GraphEvaluator: AnyObject {
    var setup: EvaluationSetup { get }
    /// Metric of the graph whose present edges are `present`.
    func evaluate(_ present: [Bool]) -> Double
    /// Called by `ACDCRun` after every node step (and its advance) with the
    /// resulting mask: the checkpointable step boundary. An evaluator whose
    /// arithmetic inside a step depends on the path taken must be back to a
    /// pure function of `present` here, so a run resumed from this point
    /// (with a fresh evaluator) sees bit-identical metrics.
    func stepFinished(_ present: [Bool])
}

extension GraphEvaluator {
    public func stepFinished(_ present: [Bool]) {}
}

/// What every evaluator shares: the model, the graph, the clean tokens, the
/// corrupted-run cache and the metric bound to the clean model's baseline.
public final class EvaluationSetup: @unchecked Sendable {
    /// The most threads a run keeps busy: BLAS runs single-threaded and every
    /// concurrent split has at most `Parallel.maxParts` parts (the corrupted pass
    /// beside the clean baseline is two).
    public static let maxThreads = Parallel.maxParts

    public let model: HookedTransformer
    public let graph: ComputationalGraph
    public let clean: TokenBatch
    public let metric: Metric
    public let metricName: String
    public let zeroAblation: Bool
    let corrupted: ActivationCache

    public init(model: HookedTransformer, experiment: Experiment, metric metricName: String?, zeroAblation: Bool) throws {
        let c = model.config
        let origin = experiment.sourcePath ?? experiment.name
        do {
            try experiment.clean.validate(for: c, origin: "\(origin) 'clean'")
            try experiment.corrupted.validate(for: c, origin: "\(origin) 'corrupted'")
        } catch let e as ModelError { throw ACDCError(e.message) }
        if experiment.usePosEmbed && c.positionalEmbedding != .standard {
            throw ACDCError("\(origin): use_pos_embed needs a model with standard positional embeddings")
        }
        self.model = model
        self.graph = ComputationalGraph(config: c, usePosEmbed: experiment.usePosEmbed)
        self.clean = experiment.clean
        self.zeroAblation = zeroAblation
        let (name, spec) = try experiment.metric(named: metricName)
        self.metricName = name

        // ACDC runs BLAS single-threaded and parallelises outside it over fixed
        // partitions (Kernels.Parallel), so results never depend on the core count.
        BLASThreads.set(1)
        var pass = CorruptedPass(config: c, zeroAblation: zeroAblation, usePosEmbed: experiment.usePosEmbed,
                                 posPermutation: experiment.corruptedPosPermutation, posTable: model.weights.wPos?.array ?? [])
        // Only the metric positions are unembedded (here and in every evaluator).
        let positions = spec.positions(seqLen: experiment.clean.seqLen)
        let rows = EvaluationSetup.metricRows(rows: experiment.clean.rows, seqLen: experiment.clean.seqLen, positions: positions)
        var baseline: [Float] = []
        // The corrupted pass and the clean baseline are independent: run them side by side on big models.
        Parallel.forEach(c.dModel >= 256 ? 2 : 1) { part in
            if part == 0 { _ = model.forward(experiment.corrupted, hooks: &pass, unembedRows: []) }
            if part == 1 || c.dModel < 256 { baseline = model.logits(experiment.clean, rows: rows) }
        }
        self.corrupted = pass.cache
        // Before anything is searched: the baselines must be finite.
        guard NonFiniteCheck.allFinite(baseline) else {
            throw NonFiniteCheck.failure("the clean run's logits at the metric positions", origin: origin, model: model, tokens: experiment.clean)
        }
        guard pass.cache.allFinite else {
            throw NonFiniteCheck.failure("the corrupted run's activations", origin: origin, model: model, tokens: experiment.corrupted)
        }
        self.metric = try Metric(spec: spec, rows: experiment.clean.rows, seqLen: experiment.clean.seqLen,
                                 vocab: c.dVocabOut, baseline: baseline, name: name)
    }

    /// Rows `b·T + p` of the metric positions, in `[b][p]` order (the metric's logits layout).
    static func metricRows(rows: Int, seqLen: Int, positions: [Int]) -> [Int] {
        (0..<rows).flatMap { b in positions.map { b * seqLen + $0 } }
    }

    /// All edges present.
    public var fullGraph: [Bool] { Array(repeating: true, count: graph.edges.count) }
}

/// The literal evaluator: one full hooked forward pass per metric value,
/// with the reference's receiver semantics (`ReceiverPatch`). Slow; the oracle.
public final class ReferenceEvaluator: GraphEvaluator {
    public let setup: EvaluationSetup
    public init(setup: EvaluationSetup) { self.setup = setup }

    public func evaluate(_ present: [Bool]) -> Double {
        let m = setup.model
        var patch = ReceiverPatch(graph: setup.graph, present: present, corrupted: setup.corrupted, config: m.config)
        let rows = EvaluationSetup.metricRows(rows: setup.clean.rows, seqLen: setup.clean.seqLen, positions: setup.metric.positions)
        let logits = m.forward(setup.clean, hooks: &patch, unembedRows: rows)
        return logits.withUnsafeBufferPointer { setup.metric.evaluate($0.baseAddress!) }
    }
}
