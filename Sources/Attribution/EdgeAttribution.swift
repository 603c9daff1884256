import ACDC
import Foundation
import Kernels
import Transformer

/// The edge-scoring methods of the EAP-IG library.
public enum AttributionMethod: String, CaseIterable, Sendable {
    case eap = "eap"
    case eapIGInputs = "eap-ig-inputs"
    case eapIGActivations = "eap-ig-activations"
    case cleanCorrupted = "clean-corrupted"
    case exact = "exact"

    /// Whether the method integrates over `ig_steps` steps.
    public var usesSteps: Bool { self == .eapIGInputs || self == .eapIGActivations }
    /// Whether the method needs the metric's gradient.
    public var usesGradient: Bool { self != .exact }

    public static func parse(_ s: String) throws -> AttributionMethod {
        guard let m = AttributionMethod(rawValue: s) else {
            throw ACDCError("unknown attribution method '\(s)' (expected one of: \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return m
    }
}

/// Edge scores of one model, experiment and metric: a positive score means
/// corrupting the edge is predicted to increase the loss (the metric, which
/// every experiment minimises).
public final class EdgeAttribution {
    public let model: HookedTransformer
    public let experiment: Experiment
    public let metricName: String
    public let spec: MetricSpec
    public let graph: AttributionGraph
    /// Progress lines (stderr in the CLI).
    public var progress: (String) -> Void = { _ in }

    public init(model: HookedTransformer, experiment: Experiment, metric: String?) throws {
        let (name, spec) = try experiment.metric(named: metric)
        let origin = experiment.sourcePath ?? experiment.name
        do {
            try experiment.clean.validate(for: model.config, origin: "\(origin) 'clean'")
            try experiment.corrupted.validate(for: model.config, origin: "\(origin) 'corrupted'")
        } catch let e as ModelError { throw ACDCError(e.message) }
        if experiment.corruptedPosPermutation != nil {
            throw ACDCError("\(origin): attribution needs clean and corrupted rows that share positions (no corrupted_pos_embed_permutation)")
        }
        self.model = model; self.experiment = experiment; metricName = name; self.spec = spec
        graph = AttributionGraph(config: model.config)
    }

    /// Scores of every edge of `graph`, in its order.
    public func scores(method: AttributionMethod, igSteps: Int) throws -> [Float] {
        if method.usesSteps && igSteps < 1 { throw ACDCError("--ig-steps must be at least 1, got \(igSteps)") }
        if method == .exact { return try exactScores() }
        // Small models' GEMMs are too small for two BLAS threads: the
        // threads' hand-offs cost more than they save (tiny-gpt2: ~30% of the time).
        let threads = BLASThreads.current
        if model.config.dModel < 256 { BLASThreads.set(1) }
        defer { BLASThreads.set(threads) }
        // The clean run (senders recorded) also gives the metric's baseline.
        let rowsU = LossGradient.unembedRows(spec: spec, rows: experiment.clean.rows, seqLen: experiment.clean.seqLen)
        let (cleanLogits, cleanTape) = LossGradient.forward(model: model, experiment.clean, unembedRows: rowsU, senders: true)
        let runner = try LossGradient(model: model, clean: experiment.clean, spec: spec, metricName: metricName, baseline: cleanLogits)
        let N = Float(experiment.clean.rows)
        let clean = (gradients: runner.backward(logits: cleanLogits, tape: cleanTape, tokens: experiment.clean).gradients, tape: cleanTape)
        // Δ = corrupted − clean per sender.
        var corruptedTape = ActivationTape(nLayers: model.config.nLayers, recordTape: false, recordSenders: true)
        _ = model.forward(experiment.corrupted, hooks: &corruptedTape, unembedRows: [])
        let cleanOut = senderOutputs(clean.tape), corruptedOut = senderOutputs(corruptedTape)
        let delta = zip(corruptedOut, cleanOut).map { $0 - $1 }
        var total: ReceiverGradients
        let divisor: Float
        switch method {
        case .eap:
            total = clean.gradients; divisor = N
        case .cleanCorrupted:
            total = clean.gradients
            total.add(runner.run(experiment.corrupted).gradients)
            divisor = 2 * N
        case .eapIGInputs:
            // k = 0 … m−1: the corrupted end included, the clean end not.
            let eClean = clean.tape[.embed], eCorr = corruptedTape[.embed]
            total = zeroGradients()
            for k in 0..<igSteps {
                let a = Float(k) / Float(igSteps)
                let e = zip(eCorr, eClean).map { $0 + a * ($1 - $0) }
                total.add(runner.run(experiment.clean, replacements: [.tokenEmbedding: e]).gradients)
                progress("eap-ig-inputs: step \(k + 1)/\(igSteps)")
            }
            divisor = N * Float(igSteps)
        case .eapIGActivations:
            // Groups: input, then per layer the heads together and the MLP; α = k/m, k = 1 … m.
            var groups: [SenderGroup] = [.tokenEmbedding]
            for l in 0..<model.config.nLayers { groups += [.heads(layer: l), .mlp(layer: l)] }
            total = zeroGradients()
            for (gi, g) in groups.enumerated() {
                let hook: HookPoint
                switch g {
                case .tokenEmbedding: hook = .embed
                case .heads(let l): hook = .result(l)
                case .mlp(let l): hook = .mlpOut(l)
                }
                for k in 1...igSteps {
                    let a = Float(k) / Float(igSteps)
                    if case .mlp = g, !model.config.hasMLP {
                        // No MLP: the library's hook never fires; the run is a plain clean run.
                        total.add(clean.gradients)
                        continue
                    }
                    let c = clean.tape[hook], r = corruptedTape[hook]
                    let mixed = zip(c, r).map { a * $0 + (1 - a) * $1 }
                    total.add(runner.run(experiment.clean, replacements: [g: mixed]).gradients)
                }
                progress("eap-ig-activations: group \(gi + 1)/\(groups.count)")
            }
            divisor = N * Float(1 + 2 * model.config.nLayers) * Float(igSteps)
        case .exact:
            fatalError("handled above")
        }
        let matrix = scoreMatrix(delta: delta, gradients: total)
        let R = graph.receivers.count
        return graph.edges.map { matrix[$0.sender * R + $0.receiver] / divisor }
    }

    private func zeroGradients() -> ReceiverGradients {
        .zeros(rows: experiment.clean.rows * experiment.clean.seqLen, config: model.config)
    }

    /// `[senders, B·T·d]`: each sender's output in graph order (zeros for the
    /// MLP nodes of an attention-only model).
    func senderOutputs(_ tape: ActivationTape) -> [Float] {
        let c = model.config, BT = experiment.clean.rows * experiment.clean.seqLen, d = c.dModel, H = c.nHeads
        var out = [Float](repeating: 0, count: graph.senders.count * BT * d)
        for (s, node) in graph.senders.enumerated() {
            let base = s * BT * d
            switch node {
            case .input:
                let e = tape[.embed]
                for i in 0..<(BT * d) { out[base + i] = e[i] }
            case .head(let l, let h):
                let r = tape[.result(l)]
                for row in 0..<BT { for j in 0..<d { out[base + row * d + j] = r[(row * H + h) * d + j] } }
            case .mlp(let l):
                guard c.hasMLP else { continue }
                let m = tape[.mlpOut(l)]
                for i in 0..<(BT * d) { out[base + i] = m[i] }
            case .logits: break
            }
        }
        return out
    }

    /// `[receivers, B·T·d]` gradients in graph order.
    func receiverGradients(_ g: ReceiverGradients) -> [Float] {
        let n = g.rows * g.d
        var out = [Float](repeating: 0, count: graph.receivers.count * n)
        for (r, rec) in graph.receivers.enumerated() {
            let base = r * n
            switch rec {
            case .head(let l, let h, let k):
                let off = g.headOffset(h, k)
                for i in 0..<n { out[base + i] = g.qkvInput[l][off + i] }
            case .mlp(let l):
                guard g.hasMLP else { continue }
                for i in 0..<n { out[base + i] = g.mlpIn[l][i] }
            case .logits:
                for i in 0..<n { out[base + i] = g.final[i] }
            }
        }
        return out
    }

    /// All sender × receiver sums Σ Δ_u·g_v (over rows, positions and
    /// dimensions) in one GEMM: `[senders, receivers]`.
    func scoreMatrix(delta: [Float], gradients: ReceiverGradients) -> [Float] {
        let S = graph.senders.count, R = graph.receivers.count, n = gradients.rows * gradients.d
        let G = receiverGradients(gradients)
        var out = [Float](repeating: 0, count: S * R)
        sgemm(S, R, n, a: delta, b: G, transposeB: true, c: &out)
        return out
    }

    /// Ground truth: for each edge alone, the metric of the full graph without
    /// it minus the full graph's, with the incremental evaluator (a fraction
    /// of a forward pass per edge). No 1/N.
    public func exactScores() throws -> [Float] {
        let setup = try EvaluationSetup(model: model, experiment: experiment, metric: metricName, zeroAblation: false)
        let conv = GraphConversion(attribution: graph, acdc: setup.graph)
        let evaluator = IncrementalEvaluator(setup: setup)
        let full = setup.fullGraph
        let base = evaluator.evaluate(full)
        var out = [Float](repeating: 0, count: graph.edges.count)
        for (i, e) in conv.acdcEdge.enumerated() {
            guard let e else { continue }
            var mask = full
            mask[e] = false
            out[i] = Float(evaluator.evaluate(mask) - base)
            if (i + 1) % 100 == 0 { progress("exact: \(i + 1)/\(graph.edges.count) edges") }
        }
        return out
    }
}
