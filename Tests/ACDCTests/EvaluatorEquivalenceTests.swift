import XCTest
import TestSupport
@testable import ACDC
import Transformer

/// The incremental evaluator must give the literal evaluator's metric for any
/// edge mask, in any order of requests (its cache may never change a value).
final class EvaluatorEquivalenceTests: XCTestCase {
    struct SplitMix { var s: UInt64; mutating func next() -> UInt64 { s &+= 0x9E3779B97F4A7C15; var z = s
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) &* 0x94D049BB133111EB; return z ^ (z >> 31) } }

    func check(_ fixtureCase: String, metric: String?, zero: Bool, floor: Double) throws {
        let experiment = try Experiment.load(path: fixture(fixtureCase + "/experiment.json"))
        let model = try HookedTransformer.load(directory: experiment.modelPath)
        let setup = try EvaluationSetup(model: model, experiment: experiment, metric: metric, zeroAblation: zero)
        let slow = ReferenceEvaluator(setup: setup), fast = IncrementalEvaluator(setup: setup)
        var rng = SplitMix(s: 42)
        var mask = setup.fullGraph
        var masks: [[Bool]] = [mask]
        // A removal chain (as ACDC produces), with occasional random jumps.
        for i in 0..<40 {
            if i % 10 == 9 {
                masks.append(setup.graph.edges.indices.map { _ in rng.next() % 3 != 0 })
            } else {
                let e = Int(rng.next() % UInt64(mask.count))
                mask[e] = false
                masks.append(mask)
            }
        }
        for (i, mk) in masks.enumerated() {
            let a = slow.evaluate(mk), b = fast.evaluate(mk)
            // Same arithmetic per unit, but OpenBLAS picks different kernels for different row
            // counts (the fast path unembeds only the metric rows), so logits differ in the last
            // ulp (4.8e-7 at |logit| ≈ 5). KL/L2 absorb that as ~1e-8 absolute noise; a logit
            // difference as up to 1 ulp of the logits. Hence an absolute floor per metric.
            XCTAssertEqual(b, a, accuracy: floor + 1e-5 * abs(a), "\(fixtureCase) mask \(i)")
        }
        // Re-asking an old mask after others must give the same bits.
        XCTAssertEqual(fast.evaluate(masks[5]), fast.evaluate(masks[5]))
        // At a step boundary the state is canonical: a fresh evaluator agrees bit for bit,
        // on that mask and on the trials that follow it (removal chains use running sums).
        fast.stepFinished(masks[17])
        let again = IncrementalEvaluator(setup: setup)
        XCTAssertEqual(again.evaluate(masks[17]), fast.evaluate(masks[17]), "fresh vs canonicalised evaluator must agree bit for bit")
        var next = masks[17]
        for e in next.indices.reversed() where next[e] && setup.graph.edges[e].type == .addition {
            next[e] = false
            XCTAssertEqual(again.evaluate(next), fast.evaluate(next), "trial after a step boundary, edge \(e)")
            if next.filter({ !$0 }).count > masks[17].filter({ !$0 }).count + 5 { break }
        }
    }

    func testTinyGPT2KL() throws { try check("tiny-gpt2", metric: "kl_div", zero: false, floor: 5e-8) }
    func testTinyGPT2LogitDiffZero() throws { try check("tiny-gpt2", metric: "logit_diff", zero: true, floor: 1e-6) }
    func testTracrReverse() throws { try check("tracr-reverse", metric: nil, zero: false, floor: 1e-9) }
    func testTracrProportionZero() throws { try check("tracr-proportion", metric: nil, zero: true, floor: 1e-9) }
}
