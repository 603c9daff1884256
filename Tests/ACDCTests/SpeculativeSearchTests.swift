import XCTest
import TestSupport
@testable import ACDC
import Transformer

/// The two-core search (a second evaluator speculating along the removal
/// chain) must reproduce the sequential search exactly: the same trace, bit
/// for bit, the same effect sizes and the same final mask, on every fixture
/// run. With `runningSumBias` the values inside a step depend on the order
/// of the running sum's removals, so those runs also prove that each
/// speculative evaluator subtracts the removals in the sequential order.
/// The sequential runs keep no per-receiver partial sums and the speculative
/// ones memoise them for every receiver, so the memo is checked here too.
final class SpeculativeSearchTests: XCTestCase {
    func checkSameAsSequential(_ fixtureCase: String, bias: Double = 0) throws {
        let experiment = try Experiment.load(path: fixture(fixtureCase + "/experiment.json"))
        let model = try HookedTransformer.load(directory: experiment.modelPath)
        for expected in try ExpectedRun.all(in: fixtureCase) {
            let options = expected.options
            let setup = try EvaluationSetup(model: model, experiment: experiment, metric: options.metric,
                                            zeroAblation: options.zeroAblation)
            func search(threads: Int) throws -> ACDCRun {
                let e = IncrementalEvaluator(setup: setup)
                e.runningSumBias = bias
                e.receiverPrefixMinCount = threads == 1 ? Int.max : 0
                let run = try ACDCRun(evaluator: e, options: options)
                run.searchThreads = threads
                run.speculationMinRemovalRate = 0   // guess on every pair
                try run.run()
                return run
            }
            let sequential = try search(threads: 1), speculative = try search(threads: 2)
            let name = "\(fixtureCase)/\(expected.name) bias \(bias)"
            XCTAssertGreaterThan(sequential.state.trace.filter(\.removed).count, 1, "\(name): the run must remove edges")
            XCTAssertEqual(speculative.state.present, sequential.state.present, "\(name): edges")
            XCTAssertEqual(speculative.state.trace.count, sequential.state.trace.count, "\(name): evaluations")
            XCTAssertEqual(speculative.state.evaluations, sequential.state.evaluations, "\(name): evaluation count")
            for (i, (a, b)) in zip(speculative.state.trace, sequential.state.trace).enumerated() {
                XCTAssert(a.edge == b.edge && a.removed == b.removed
                          && a.metricBefore.bitPattern == b.metricBefore.bitPattern
                          && a.metricAfter.bitPattern == b.metricAfter.bitPattern,
                          "\(name): trace[\(i)] \(a) != \(b)")
            }
            XCTAssertEqual(speculative.state.effectSize.map(\.bitPattern), sequential.state.effectSize.map(\.bitPattern),
                           "\(name): effect sizes")
            XCTAssertEqual(speculative.state.currentMetric.bitPattern, sequential.state.currentMetric.bitPattern, "\(name): metric")
        }
    }

    func testTinyGPT2() throws { try checkSameAsSequential("tiny-gpt2") }
    func testTinyGPT2WithRunningSumBias() throws { try checkSameAsSequential("tiny-gpt2", bias: 1e-4) }
    func testTracrReverse() throws { try checkSameAsSequential("tracr-reverse") }
    func testTracrReverseWithRunningSumBias() throws { try checkSameAsSequential("tracr-reverse", bias: 1e-4) }
    func testTracrProportion() throws { try checkSameAsSequential("tracr-proportion") }
    func testTracrProportionWithRunningSumBias() throws { try checkSameAsSequential("tracr-proportion", bias: 1e-4) }
}
