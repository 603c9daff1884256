import ACDC
import Checkpoint

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

    /// From a result.json document; nil when a field is missing.
    init?(resultJSON j: JSONValue) {
        guard let kept = j["edges_kept"]?.int, let total = j["edges_total"]?.int,
              let evaluations = j["evaluations"]?.int, let seconds = j["seconds"]?.double,
              let finished = j["finished"]?.bool else { return nil }
        edgesKept = kept; edgesTotal = total; self.evaluations = evaluations; self.seconds = seconds
        self.finished = finished
        finalMetric = j["final_metric"]?.double ?? .nan
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
