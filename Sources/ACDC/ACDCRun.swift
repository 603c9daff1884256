import Foundation
import Kernels

/// The ACDC main loop (ACDC.md §4): steps nodes in reverse topological
/// order, tests each incoming edge, removes it when the metric moves by less
/// than the threshold (strict `<`).
///
/// All mutable state lives in `state` (an `ACDCState`), so a run can be
/// checkpointed after any step and resumed to the identical result.
///
/// Two cores (PERFORMANCE.md §4, speculation along the removal chain): with
/// the fast evaluator and `searchThreads` 2, a second evaluator on a side
/// thread tests edge i+1 on the graph that assumes edge i is removed (the
/// common outcome) while the first tests edge i; when edge i stays, the
/// second result is dropped. The schedule does not depend on timing, and
/// each evaluator's values are those of the sequential search bit for bit
/// (`IncrementalEvaluator.chainTrial`), so decisions, trace and checkpoints
/// are the same whatever the thread count.
public final class ACDCRun {
    public let graph: ComputationalGraph
    public let options: ACDCOptions
    public let evaluator: GraphEvaluator
    public private(set) var state: ACDCState

    /// 2: speculate on a second core (fast evaluator only); 1: sequential.
    /// Default: the `ACDC_SEARCH_THREADS` environment variable, else 1:
    /// measured on the shared 2-core machine, speculation made the fixture
    /// and 4-layer searches slower (their removal rates are 25-55%, and the
    /// second core was rarely free); see scripts/bench.
    public var searchThreads: Int = ACDCRun.defaultSearchThreads
    public static var defaultSearchThreads: Int {
        if let v = ProcessInfo.processInfo.environment["ACDC_SEARCH_THREADS"], let n = Int(v), n >= 1 { return min(n, 2) }
        return 1
    }
    /// Speculate only while at least this share of the last 32 tested edges
    /// was removed: a guess pays only when it usually holds. (Which trials
    /// run does not change any value: each used value is the sequential one.)
    public var speculationMinRemovalRate = 0.6
    private var speculation: Speculation?
    /// The second evaluator of the two-core search, once it has started (for its profile).
    public var speculativeEvaluator: IncrementalEvaluator? { speculation?.evaluator }
    /// The second evaluator, its side thread, and the mask it is canonical for.
    private final class Speculation {
        let evaluator: IncrementalEvaluator
        let side = SideThread()
        var canonicalFor: [Bool]?
        init(_ e: IncrementalEvaluator) { evaluator = e }
    }

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
        if searchThreads >= 2, let fast = evaluator as? IncrementalEvaluator {
            speculativeStep(fast, onEvaluation: onEvaluation)
            return
        }
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
                decide(e, metricAfter: new, current: &cur, used: &used, onEvaluation: onEvaluation)
            }
            // The reference re-evaluates the metric here; it recomputes the same
            // graph, and our evaluators are deterministic, so it is skipped.
        }
        if options.removeRedundant && !used { removeRedundant(from: v) }
        state.currentMetric = cur
        advance()
        evaluator.stepFinished(state.present)
    }

    /// `step` on two evaluators: the same decisions, trace and final mask.
    private func speculativeStep(_ first: IncrementalEvaluator, onEvaluation: (EdgeEvaluation) -> Void) {
        if speculation == nil {
            let second = IncrementalEvaluator(setup: first.setup)
            second.runningSumBias = first.runningSumBias
            second.receiverPrefixMinCount = first.receiverPrefixMinCount
            speculation = Speculation(second)
        }
        let spec = speculation!
        let second = spec.evaluator
        first.splitsAcrossCores = false; second.splitsAcrossCores = false
        defer { first.splitsAcrossCores = true; second.splitsAcrossCores = true }
        let v = graph.order[state.cursor]
        var cur = 0.0
        let start = state.present
        if spec.canonicalFor == start {
            cur = first.evaluate(start)
        } else {
            spec.side.both({ cur = first.evaluate(start) }, { second.stepFinished(start) })
            spec.canonicalFor = start
        }
        state.evaluations += 1
        var used = graph.nodes[v].isEmbedding

        // The edges the sequential loop tests, in its order.
        var tests: [Int] = []
        let groups = options.namesMode == .reverse ? graph.parentGroups[v].reversed() : graph.parentGroups[v]
        for g in groups {
            let edges = options.indicesMode == .reverse ? g.edges.reversed() : g.edges
            for e in edges where state.present[e] {
                if graph.edges[e].type == .placeholder { used = true } else { tests.append(e) }
            }
        }
        // Each evaluator's committed state is one the sequential search passes
        // through; `behind[w]` lists the removals decided since (test order),
        // and `hot[e]` whether the sequential trial of removal e was hot (see
        // `IncrementalEvaluator.chainTrial`). One evaluator is always current.
        let workers = [first, second]
        var behind: [[Int]] = [[], []]
        var hot: [Int: Bool] = [:]
        var i = 0
        while i < tests.count {
            let p = behind[0].isEmpty ? 0 : 1, q = 1 - p
            let e = tests[i]
            state.present[e] = false
            let mask = state.present
            // The other evaluator: catch up to just after a removal whose trial was
            // not hot (its later values could not be the sequential ones), or
            // test edge i+1 assuming edge i goes.
            var other: [Bool]?
            var catchUp = 0
            if let bad = behind[q].firstIndex(where: { hot[$0] != true }) {
                var m = mask
                m[e] = true
                for r in behind[q][(bad + 1)...] { m[r] = true }
                other = m; catchUp = bad + 1
            } else if i + 1 < tests.count && recentRemovalRate() >= speculationMinRemovalRate {
                var m = mask
                m[tests[i + 1]] = false
                other = m
            }
            var mine = (metric: 0.0, hot: false), theirs = (metric: 0.0, hot: false)
            if let other {
                spec.side.both({ mine = workers[p].chainTrial(mask, chain: tests) },
                               { theirs = workers[q].chainTrial(other, chain: tests) })
            } else {
                mine = workers[p].chainTrial(mask, chain: tests)
            }
            let removed = decide(e, metricAfter: mine.metric, current: &cur, used: &used, onEvaluation: onEvaluation)
            if removed {
                workers[p].acceptTrial()
                hot[e] = mine.hot
                behind[q].append(e)
            } else {
                workers[p].rejectTrial()
            }
            i += 1
            guard other != nil else { continue }
            if catchUp > 0 {
                workers[q].acceptTrial()
                behind[q].removeFirst(catchUp)
            } else if removed && mine.hot {
                // The guess held and its value is the sequential one: edge i+1 is decided too.
                let next = tests[i]
                state.present[next] = false
                if decide(next, metricAfter: theirs.metric, current: &cur, used: &used, onEvaluation: onEvaluation) {
                    workers[q].acceptTrial()
                    hot[next] = theirs.hot
                    behind[q] = []
                    behind[p].append(next)
                } else {
                    workers[q].rejectTrial()
                }
                i += 1
            } else {
                workers[q].rejectTrial()
            }
        }
        if options.removeRedundant && !used { removeRedundant(from: v) }
        state.currentMetric = cur
        advance()
        let end = state.present
        spec.side.both({ first.stepFinished(end) }, { second.stepFinished(end) })
        spec.canonicalFor = end
    }

    /// The edge decision both steps share: records the test of edge `e`
    /// (already absent from `state.present`) whose trial metric is `new`
    /// against the running metric `cur`. A removal makes `new` the running
    /// metric; a kept edge is put back and marks the node used. True when
    /// `e` is removed.
    @discardableResult
    private func decide(_ e: Int, metricAfter new: Double, current cur: inout Double, used: inout Bool,
                        onEvaluation: (EdgeEvaluation) -> Void) -> Bool {
        state.evaluations += 1
        let effect = new - cur
        state.effectSize[e] = effect
        let score = options.absValueThreshold ? abs(effect) : effect
        let remove = score < options.threshold
        let record = EdgeEvaluation(edge: e, metricBefore: cur, metricAfter: new, result: effect, removed: remove)
        state.trace.append(record)
        if remove { cur = new } else { state.present[e] = true; used = true }
        onEvaluation(record)
        return remove
    }

    /// Share of removals among the last 32 tested edges (1 before any test).
    private func recentRemovalRate() -> Double {
        let recent = state.trace.suffix(32)
        guard !recent.isEmpty else { return 1 }
        return Double(recent.filter(\.removed).count) / Double(recent.count)
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
