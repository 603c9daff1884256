/// The ACDC main loop (ACDC.md §4): steps nodes in reverse topological
/// order, tests each incoming edge, removes it when the metric moves by less
/// than the threshold (strict `<`).
///
/// All mutable state lives in `state` (an `ACDCState`), so a run can be
/// checkpointed after any step and resumed to the identical result.
public final class ACDCRun {
    public let graph: ComputationalGraph
    public let options: ACDCOptions
    public let evaluator: GraphEvaluator
    public private(set) var state: ACDCState

    /// Starts a run, or resumes one from `state`.
    public init(evaluator: GraphEvaluator, options: ACDCOptions, resumeFrom state: ACDCState? = nil) throws {
        self.evaluator = evaluator
        self.graph = evaluator.setup.graph
        self.options = options
        try options.validate()
        if let s = state {
            guard s.present.count == graph.edges.count, s.effectSize.count == graph.edges.count,
                  s.cursor >= 0, s.cursor <= graph.order.count else {
                throw ACDCError("checkpoint state does not fit this model's graph (\(s.present.count) edges, graph has \(graph.edges.count))")
            }
            self.state = s
        } else {
            let full = evaluator.setup.fullGraph
            let first = evaluator.evaluate(full)
            guard first.isFinite else {
                let setup = evaluator.setup
                let place = NonFiniteCheck.locate(model: setup.model, tokens: setup.clean)
                    ?? "the clean and corrupted runs are finite, so the metric itself overflows"
                throw ACDCError("metric '\(setup.metricName)' of the full circuit is \(first): \(place); refusing to search on NaN/Inf")
            }
            self.state = ACDCState(present: full, effectSize: Array(repeating: .nan, count: full.count),
                                   cursor: 0, currentMetric: first, evaluations: 1)
        }
    }

    /// An error when a metric value computed since trace entry `traceStart`
    /// (or the running metric) is NaN or Inf: the search stops there rather
    /// than deciding edges on a non-number.
    public func nonFiniteMetric(sinceTrace traceStart: Int) -> ACDCError? {
        for t in state.trace[min(traceStart, state.trace.count)...] where !t.metricAfter.isFinite || !t.metricBefore.isFinite {
            return ACDCError("metric '\(evaluator.setup.metricName)' became \(t.metricAfter) when testing edge "
                + "\(graph.edgeString(t.edge)); refusing to continue on NaN/Inf")
        }
        if !state.currentMetric.isFinite {
            return ACDCError("metric '\(evaluator.setup.metricName)' became \(state.currentMetric); refusing to continue on NaN/Inf")
        }
        return nil
    }

    public var isFinished: Bool { state.cursor >= graph.order.count }

    /// The node the next `step()` processes.
    public var currentNode: NodeKind? { isFinished ? nil : graph.nodes[graph.order[state.cursor]] }

    /// Present non-placeholder edges.
    public var edgeCount: Int { graph.countEdges(state.present) }

    /// Processes the current node: tests its incoming edges, then advances
    /// past nodes that can no longer reach the output. `onEvaluation` sees
    /// every test as it is decided.
    public func step(onEvaluation: (EdgeEvaluation) -> Void = { _ in }) {
        guard !isFinished else { return }
        let v = graph.order[state.cursor]
        var cur = evaluator.evaluate(state.present)
        state.evaluations += 1
        var used = graph.nodes[v].isEmbedding

        let groups = options.namesMode == .reverse ? graph.parentGroups[v].reversed() : graph.parentGroups[v]
        for g in groups {
            let edges = options.indicesMode == .reverse ? g.edges.reversed() : g.edges
            for e in edges where state.present[e] {
                if graph.edges[e].type == .placeholder { used = true; continue }
                state.present[e] = false
                let new = evaluator.evaluate(state.present)
                state.evaluations += 1
                let effect = new - cur
                state.effectSize[e] = effect
                let score = options.absValueThreshold ? abs(effect) : effect
                let remove = score < options.threshold
                let record = EdgeEvaluation(edge: e, metricBefore: cur, metricAfter: new, result: effect, removed: remove)
                state.trace.append(record)
                if remove {
                    cur = new
                } else {
                    state.present[e] = true
                    used = true
                }
                onEvaluation(record)
            }
            // The reference re-evaluates the metric here; it recomputes the same
            // graph, and our evaluators are deterministic, so it is skipped.
        }
        if options.removeRedundant && !used { removeRedundant(from: v) }
        state.currentMetric = cur
        advance()
        evaluator.stepFinished(state.present)
    }

    /// Runs to the end. `onStep` is called after every step (checkpointing hook).
    public func run(onEvaluation: (EdgeEvaluation) -> Void = { _ in }, onStep: (ACDCRun) throws -> Void = { _ in }) rethrows {
        while !isFinished {
            step(onEvaluation: onEvaluation)
            try onStep(self)
        }
    }

    /// §4.4: move to the next node, deleting (untested) the incoming edges of
    /// every node that no present edge leaves; embeddings are always stepped.
    private func advance() {
        state.cursor += 1
        while state.cursor < graph.order.count {
            let v = graph.order[state.cursor]
            if graph.nodes[v].isEmbedding { return }
            if graph.children[v].contains(where: { state.present[$0] }) { return }
            for g in graph.parentGroups[v] { for e in g.edges { state.present[e] = false } }
            state.cursor += 1
        }
    }

    /// §4.5: a node none of whose inputs survived outputs exactly its corrupted
    /// value, so its outgoing edges carry nothing; drop them, recursively.
    private func removeRedundant(from start: Int) {
        var queue = [start]
        var seen: Set<Int> = [start]
        var i = 0
        while i < queue.count {
            let n = queue[i]; i += 1
            for e in graph.children[n] where state.present[e] && graph.edges[e].type != .placeholder {
                state.present[e] = false
                let child = graph.edges[e].child
                let hasInput = graph.parentGroups[child].contains { $0.edges.contains { state.present[$0] } }
                if !hasInput && !seen.contains(child) { seen.insert(child); queue.append(child) }
            }
        }
    }
}
