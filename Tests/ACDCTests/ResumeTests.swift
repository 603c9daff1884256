import XCTest
import TestSupport
@testable import ACDC
import Transformer

/// A run resumed from a checkpointed state (fresh evaluator, `ACDCRun(resumeFrom:)`)
/// must see bit-identical metrics and make identical decisions to the
/// uninterrupted run: the fast evaluator's arithmetic inside a step depends
/// on the path taken, so this checks that every step boundary is canonical.
final class ResumeTests: XCTestCase {
    /// `bias`: `IncrementalEvaluator.runningSumBias`, so values inside a step
    /// are visibly path-dependent and only canonical boundaries make resumes agree.
    func checkResume(_ fixtureCase: String, run name: String, bias: Double = 0, resumePoints: Int = 4) throws {
        let experiment = try Experiment.load(path: fixture(fixtureCase + "/experiment.json"))
        let model = try HookedTransformer.load(directory: experiment.modelPath)
        let expected = try XCTUnwrap(try ExpectedRun.all(in: fixtureCase).first { $0.name == name })
        let options = expected.options
        let setup = try EvaluationSetup(model: model, experiment: experiment, metric: options.metric,
                                        zeroAblation: options.zeroAblation)

        func evaluator() -> IncrementalEvaluator {
            let e = IncrementalEvaluator(setup: setup)
            e.runningSumBias = bias
            return e
        }
        let full = try ACDCRun(evaluator: evaluator(), options: options)
        var boundaries: [ACDCState] = []
        full.run(onStep: { boundaries.append($0.state) })
        XCTAssertGreaterThan(full.state.trace.filter(\.removed).count, 2, "the run must remove edges to exercise running sums")

        // Resume points spread over the run, at steps that tested edges.
        let tested = boundaries.indices.filter { $0 > 0 && boundaries[$0].trace.count > boundaries[$0 - 1].trace.count }
        let points = (1...resumePoints).map { tested[$0 * (tested.count - 1) / resumePoints] }
        for k in Set(points).sorted() {
            let resumed = try ACDCRun(evaluator: evaluator(), options: options, resumeFrom: boundaries[k])
            try resumed.run()
            XCTAssertEqual(resumed.state.present, full.state.present, "\(fixtureCase)/\(name) resumed after step \(k): edges")
            XCTAssertEqual(resumed.state.trace.count, full.state.trace.count, "\(fixtureCase)/\(name) resumed after step \(k): evaluations")
            for (i, (a, b)) in zip(resumed.state.trace, full.state.trace).enumerated() where a != b {
                XCTFail("\(fixtureCase)/\(name) resumed after step \(k): trace[\(i)] \(a) != \(b)")
                break
            }
            XCTAssertEqual(resumed.state.effectSize.map(\.bitPattern), full.state.effectSize.map(\.bitPattern))
        }
    }

    func testTinyGPT2KL() throws { try checkResume("tiny-gpt2", run: "kl-0.01") }
    func testTinyGPT2KLZero() throws { try checkResume("tiny-gpt2", run: "kl-0.005-zero") }
    func testTracrReverse() throws { try checkResume("tracr-reverse", run: "l2-0.001") }
    func testTinyGPT2KLBiased() throws { try checkResume("tiny-gpt2", run: "kl-0.01", bias: 1e-3) }
    func testTracrReverseBiased() throws { try checkResume("tracr-reverse", run: "l2-0.001", bias: 1e-3) }
}
