import ACDC
import Foundation
import XCTest

/// `Metric.gradient` against central differences of `Metric.evaluate` for
/// every metric an experiment can name, on random logits (float32 logits,
/// step 1e-2: the metrics are smooth there; the docstring metric's wrong
/// tokens are spaced apart so its max does not change hands; tolerance 2e-3 of the largest gradient entry plus 1e-5).
final class MetricGradientTests: XCTestCase {
    func testEveryMetricsGradientMatchesDifferences() throws {
        let rows = 3, T = 4, V = 120
        var rng = SystemRandomNumberGenerator()
        func randomLogits(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -3...3, using: &rng) } }
        let labels = (0..<rows).map { _ in (0..<T).map { _ in Int.random(in: 0..<V, using: &rng) } }
        let specs: [(String, MetricSpec)] = [
            ("kl_div", .klDiv(.positions([1, 3]))),
            ("kl_div mask", .klDiv(.mask([[true, false, false, true], [false, true, false, false], [true, true, true, true]]))),
            ("logit_diff", .logitDiff(position: 3, correct: [1, 2, 3], wrong: [4, 5, 6])),
            ("l2", .l2(positions: [2, 3], dims: [0, 7, 9])),
            ("greaterthan", .greaterThan(position: 3, yearTokens: Array(10..<110), startYears: [0, 41, 99])),
            ("docstring", .docstring(position: 2, correct: [1, 2, 3], wrong: [[4, 5], [6, 7, 8], [9]])),
            ("nll", .nll(.all, labels: labels)),
            ("match_nll", .matchNLL(.positions([0, 2]), labels: labels)),
        ]
        for (name, spec) in specs {
            let P = spec.positions(seqLen: T).count
            let metric = try Metric(spec: spec, rows: rows, seqLen: T, vocab: V, baseline: randomLogits(rows * P * V), name: name)
            var z = randomLogits(rows * P * V)
            if case .docstring(let p, _, let wrong) = spec {
                // The max over the wrong tokens must not change hands within the step: space them 0.5 apart.
                let j = spec.positions(seqLen: T).firstIndex(of: p)!
                for (r, ws) in wrong.enumerated() { for (k, t) in ws.enumerated() { z[(r * P + j) * V + t] = Float(k) * 0.5 } }
            }
            let g = z.withUnsafeBufferPointer { metric.gradient($0.baseAddress!) }
            let largest = g.map(abs).max()!
            XCTAssertGreaterThan(largest, 0, name)
            // The largest entries and a few random ones.
            let order = g.indices.sorted { abs(g[$0]) > abs(g[$1]) }
            for i in Array(order.prefix(4)) + (0..<4).map({ _ in Int.random(in: 0..<z.count, using: &rng) }) {
                let h: Float = 1e-2, x = z[i]
                z[i] = x + h; let up = z.withUnsafeBufferPointer { metric.evaluate($0.baseAddress!) }
                z[i] = x - h; let down = z.withUnsafeBufferPointer { metric.evaluate($0.baseAddress!) }
                z[i] = x
                XCTAssertEqual((up - down) / Double(2 * h), Double(g[i]), accuracy: 2e-3 * Double(largest) + 1e-5, "\(name) logit \(i)")
            }
        }
    }
}
