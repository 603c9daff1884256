import XCTest
import ACDC
import Transformer
@testable import Tasks

/// ACDC on the shipped tasks, in process, as `acdc run --task` drives it.
final class TaskRunTests: XCTestCase {
    let context = TaskContext(tasksDirectory: tasksDir)

    private func run(_ task: String, _ options: ACDCOptions) throws -> ACDCRun {
        let exp = try TaskCatalog.named(task).experiment(context)
        let model = try HookedTransformer.load(directory: exp.modelPath)
        let setup = try EvaluationSetup(model: model, experiment: exp, metric: options.metric, zeroAblation: options.zeroAblation)
        let run = try ACDCRun(evaluator: IncrementalEvaluator(setup: setup), options: options)
        try run.run()
        return run
    }

    /// `acdc run --task tracr-reverse --threshold 0.001 --zero-ablation` recovers the canonical circuit.
    func testTracrReverseRecoversCanonicalCircuit() throws {
        let r = try run("tracr-reverse", ACDCOptions(threshold: 0.001, metric: "l2", zeroAblation: true))
        XCTAssertTrue(r.isFinished)
        let canonical = try XCTUnwrap(try TracrReverseTask().canonicalCircuit(context))
        let c = CircuitComparison(found: r.graph.presentEdgeStrings(r.state.present), canonical: canonical)
        XCTAssertEqual(c.onlyFound, []); XCTAssertEqual(c.onlyCanonical, [])
        XCTAssertEqual(c.both.count, 15)
        XCTAssertEqual(c.precision, 1); XCTAssertEqual(c.recall, 1)
    }

    func testTracrProportionRecoversCanonicalCircuit() throws {
        let r = try run("tracr-proportion", ACDCOptions(threshold: 0.001, metric: "l2", zeroAblation: true))
        let canonical = try XCTUnwrap(try TracrProportionTask().canonicalCircuit(context))
        let c = CircuitComparison(found: r.graph.presentEdgeStrings(r.state.present), canonical: canonical)
        XCTAssertEqual(c.onlyFound, []); XCTAssertEqual(c.onlyCanonical, [])
    }

    /// A short ACDC run on the shipped induction model: it finishes, prunes most of the
    /// graph and keeps a path from the embedding to the output through both layers.
    func testInductionRuns() throws {
        let r = try run("induction", ACDCOptions(threshold: 0.05, metric: "kl_div"))
        XCTAssertTrue(r.isFinished)
        let total = r.graph.countEdges([Bool](repeating: true, count: r.graph.edges.count))
        let kept = r.graph.countEdges(r.state.present)
        XCTAssertGreaterThan(kept, 0)
        XCTAssertLessThan(kept, total)
        XCTAssertTrue(r.state.currentMetric.isFinite)
        let edges = r.graph.presentEdgeStrings(r.state.present)
        XCTAssertTrue(edges.contains { $0.hasPrefix("blocks.1.hook_resid_post[:]<-blocks.1.attn.hook_result") }, "\(edges)")
    }
}
