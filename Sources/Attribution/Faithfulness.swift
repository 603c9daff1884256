import ACDC
import Foundation

/// MIB's faithfulness evaluation of a set of edge scores: circuits of the top
/// 0.1 … 100 % of edges (n = ⌊fraction × edges⌋, top-n or greedy, pruned),
/// each circuit's normalised faithfulness f = (m(C) − m(∅)) / (m(full) − m(∅)),
/// CPR = the trapezoid area under f and CMD = the area under |1 − f|, on the
/// linear fraction axis.
public struct FaithfulnessCurve: Sendable {
    public static let fractions: [Double] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]

    public struct Point: Sendable {
        public let fraction: Double
        /// Edges asked for, and left after pruning.
        public let requested: Int, edges: Int
        public let metric: Double
        public let faithfulness: Double
    }

    public let points: [Point]
    public let full: Double, empty: Double
    public let greedy: Bool
    public let metricName: String

    public var cpr: Double { FaithfulnessCurve.area(points.map { ($0.fraction, $0.faithfulness) }) }
    public var cmd: Double { FaithfulnessCurve.area(points.map { ($0.fraction, abs(1 - $0.faithfulness)) }) }

    /// Σ (x₂ − x₁)(y₁ + y₂)/2 over consecutive points.
    public static func area(_ p: [(Double, Double)]) -> Double {
        zip(p, p.dropFirst()).reduce(0) { $0 + ($1.1.0 - $1.0.0) * ($1.0.1 + $1.1.1) / 2 }
    }

    public static func measure(evaluator: CircuitEvaluator, selection: Selection, greedy: Bool, metricName: String,
                               progress: (String) -> Void = { _ in }) -> FaithfulnessCurve {
        let full = evaluator.full(), empty = evaluator.empty()
        let total = selection.graph.edges.count
        var points: [Point] = []
        for fr in fractions {
            let n = Int((fr * Double(total)).rounded(.down))
            let present = selection.prune(greedy ? selection.greedy(n) : selection.topN(n))
            let m = evaluator.evaluate(present)
            points.append(Point(fraction: fr, requested: n, edges: present.filter { $0 }.count, metric: m,
                                faithfulness: (m - empty) / (full - empty) + 0))  // + 0: no "-0" in reports
            progress("faithfulness: \(fr * 100)% of edges (\(n) asked, \(points.last!.edges) after pruning): f = \(points.last!.faithfulness)")
        }
        return FaithfulnessCurve(points: points, full: full, empty: empty, greedy: greedy, metricName: metricName)
    }

    public func csv() -> String {
        var s = "fraction,edges_requested,edges,metric,faithfulness\n"
        for p in points { s += "\(p.fraction),\(p.requested),\(p.edges),\(fmt(p.metric)),\(fmt(p.faithfulness))\n" }
        return s
    }

    public func markdown() -> String {
        var s = "| % of edges | edges asked | edges after pruning | \(metricName) | faithfulness |\n|---:|---:|---:|---:|---:|\n"
        for p in points {
            s += "| \(p.fraction * 100) | \(p.requested) | \(p.edges) | \(fmt(p.metric)) | \(String(format: "%.4f", p.faithfulness)) |\n"
        }
        s += "\nFull model \(fmt(full)), empty circuit \(fmt(empty)); \(greedy ? "greedy" : "top-n") selection. "
        s += "CPR = \(String(format: "%.4f", cpr)) (higher is better), CMD = \(String(format: "%.4f", cmd)) (lower is better).\n"
        return s
    }

    private func fmt(_ x: Double) -> String { String(format: "%.7g", x) }
}
