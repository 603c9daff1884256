import ACDC
import Kernels
import Transformer

/// One forward and backward pass of a model on a batch: the loss (the
/// experiment's metric, a mean over rows, compared with the clean model) and
/// its gradient at every receiver input and the token embedding.
public struct LossGradient {
    public let model: HookedTransformer
    public let metric: Metric
    public let rows: Int, seqLen: Int
    /// Rows `b·T + p` of the metric positions, in the metric's logits layout.
    public let unembedRows: [Int]

    /// `clean` fixes the metric's baseline (the clean model's logits at the
    /// metric rows; pass them when a clean forward has already computed them).
    public init(model: HookedTransformer, clean: TokenBatch, spec: MetricSpec, metricName: String, baseline: [Float]? = nil) throws {
        do { try model.checkBackwardSupport() } catch let e as ModelError { throw ACDCError(e.message) }
        self.model = model
        rows = clean.rows; seqLen = clean.seqLen
        unembedRows = LossGradient.unembedRows(spec: spec, rows: clean.rows, seqLen: clean.seqLen)
        metric = try Metric(spec: spec, rows: clean.rows, seqLen: clean.seqLen, vocab: model.config.dVocabOut,
                            baseline: baseline ?? model.logits(clean, rows: unembedRows), name: metricName)
    }

    /// Rows `b·T + p` of the metric positions, in the metric's logits layout.
    public static func unembedRows(spec: MetricSpec, rows: Int, seqLen: Int) -> [Int] {
        let positions = spec.positions(seqLen: seqLen)
        return (0..<rows).flatMap { b in positions.map { b * seqLen + $0 } }
    }

    /// The forward with an activation tape (and `replacements` of sender
    /// outputs); `senders` also records every sender's output. Returns the
    /// logits at `unembedRows`.
    public static func forward(model: HookedTransformer, _ tokens: TokenBatch, unembedRows: [Int],
                               replacements: [SenderGroup: [Float]] = [:], senders: Bool = false) -> ([Float], ActivationTape) {
        var tape = ActivationTape(nLayers: model.config.nLayers, recordTape: true, recordSenders: senders,
                                  replacements: replacements)
        let logits = model.forward(tokens, hooks: &tape, unembedRows: unembedRows)
        return (logits, tape)
    }

    /// The loss of a taped forward's logits and the backward pass.
    public func backward(logits: [Float], tape: ActivationTape, tokens: TokenBatch) -> (loss: Double, gradients: ReceiverGradients) {
        let (loss, dLogits) = logits.withUnsafeBufferPointer { l in
            (metric.evaluate(l.baseAddress!), metric.gradient(l.baseAddress!))
        }
        let grads = model.backward(tape: tape, batch: tokens.rows, seqLen: tokens.seqLen, unembedRows: unembedRows,
                                   dLogits: dLogits, frozen: Set(tape.replacements.keys))
        return (loss, grads)
    }

    /// Forward on `tokens` (with `replacements` of sender outputs), the loss,
    /// and the backward pass. `senders` also returns every sender's output.
    public func run(_ tokens: TokenBatch, replacements: [SenderGroup: [Float]] = [:], senders: Bool = false)
        -> (loss: Double, gradients: ReceiverGradients, tape: ActivationTape) {
        let (logits, tape) = LossGradient.forward(model: model, tokens, unembedRows: unembedRows,
                                                  replacements: replacements, senders: senders)
        let (loss, grads) = backward(logits: logits, tape: tape, tokens: tokens)
        return (loss, grads, tape)
    }

    /// The loss alone (a forward with `hooks`).
    public func loss<V: HookVisitor>(_ tokens: TokenBatch, hooks: inout V) -> Double {
        let logits = model.forward(tokens, hooks: &hooks, unembedRows: unembedRows)
        return logits.withUnsafeBufferPointer { metric.evaluate($0.baseAddress!) }
    }
}
