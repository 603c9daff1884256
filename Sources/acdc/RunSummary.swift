import ACDC
import Checkpoint
import Circuits

/// The headline numbers of a run, from whichever record is at hand: a
/// finished run's `RunRecord` / result.json, or a checkpoint mid-run.
struct RunSummary {
    var edgesKept: Int
    var edgesTotal: Int
    var finalMetric: Double
    /// Edges tested (trace length).
    var evaluations: Int
    var seconds: Double
    var finished: Bool

    init(_ r: RunRecord) {
        edgesKept = r.edgesKept; edgesTotal = r.edgesTotal; finalMetric = r.finalMetric
        evaluations = r.evaluations; seconds = r.seconds; finished = r.finished
    }

    init(_ c: RunCheckpoint) {
        let real = c.edgeNames.indices.filter { !c.edgeNames[$0].hasSuffix("|" + EdgeType.placeholder.rawValue) }
        edgesKept = real.filter { c.state.present[$0] }.count
        edgesTotal = real.count
        finalMetric = c.state.currentMetric
        evaluations = c.state.trace.count
        seconds = c.elapsedSeconds
        finished = c.finished
    }

    /// From result.json, as its one reader (`RunResult`) reads it.
    init(_ r: RunResult) {
        edgesKept = r.edgesKept; edgesTotal = r.edgesTotal; finalMetric = r.finalMetric
        evaluations = r.evaluations; seconds = r.seconds; finished = r.finished
    }

    func json(runDir: String) -> JSONValue {
        .object([
            ("run_dir", .string(runDir)), ("edges_kept", .number(Double(edgesKept))),
            ("edges_total", .number(Double(edgesTotal))), ("final_metric", .number(finalMetric)),
            ("evaluations", .number(Double(evaluations))), ("seconds", .number(seconds)),
            ("finished", .bool(finished)),
        ])
    }
}
