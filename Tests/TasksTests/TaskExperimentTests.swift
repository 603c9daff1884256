import XCTest
import TestSupport
import ACDC
import Transformer
@testable import Tasks

/// The experiments the tasks build: equal to the fixtures (tracr), carrying the
/// reference's token ids (IOI, greater-than), and well-formed for the shipped model.
final class TaskExperimentTests: XCTestCase {
    let context = TaskContext(tasksDirectory: tasksDir)

    private func assertSame(_ task: String, _ file: String) throws {
        let built = try TaskCatalog.named(task).experiment(context)
        let fixtureExp = try Experiment.load(path: fixture(file))
        XCTAssertEqual(built.clean, fixtureExp.clean, task)
        XCTAssertEqual(built.corrupted, fixtureExp.corrupted, task)
        XCTAssertEqual(built.usePosEmbed, fixtureExp.usePosEmbed, task)
        XCTAssertEqual(built.corruptedPosPermutation, fixtureExp.corruptedPosPermutation, task)
        XCTAssertEqual(built.metrics.map(\.name), fixtureExp.metrics.map(\.name), task)
        XCTAssertEqual(built.metrics.map(\.spec), fixtureExp.metrics.map(\.spec), task)
        XCTAssertEqual(built.modelPath, tasksDir + "/" + task + "/model")
    }

    func testTracrReverseEqualsFixture() throws { try assertSame("tracr-reverse", "tracr-reverse/experiment.json") }
    func testTracrProportionEqualsFixture() throws { try assertSame("tracr-proportion", "tracr-proportion/experiment.json") }

    func testTracrCanonicalCircuitsAreTheGroundTruth() throws {
        for t in ["tracr-reverse", "tracr-proportion"] {
            let edges = try XCTUnwrap(try TaskCatalog.named(t).canonicalCircuit(context))
            let fx = try loadJSON(fixture("\(t)/ground_truth.json"))["edges"]!.array!.map { $0.string! }
            XCTAssertEqual(Set(edges), Set(fx), t)
        }
    }

    func testIOITokensEqualReference() throws {
        let rows = try loadJSON(fixture("task-data/ioi.json"))["rows"]!.array!
        let t = try IOITask.tokens(gpt2, prompts: IOIGenerator.prompts())
        for (i, r) in rows.enumerated() {
            XCTAssertEqual(t.clean[i], r["clean_tokens"]!.ints, "row \(i) clean")
            XCTAssertEqual(t.corrupted[i], r["corrupted_tokens"]!.ints, "row \(i) corrupted")
            XCTAssertEqual(t.io[i], r["io"]!.int!, "row \(i) IO")
            XCTAssertEqual(t.s[i], r["s"]!.int!, "row \(i) S")
        }
        // The experiment is the first 100 rows, logit_diff on IO vs S at the last input position.
        let exp = try IOITask().experiment(TaskContext(tasksDirectory: tasksDir, modelDirectory: "/nonexistent/gpt2"))
        XCTAssertEqual(exp.clean.rows, 100); XCTAssertEqual(exp.clean.seqLen, 15)
        XCTAssertEqual(exp.clean.row(99), rows[99]["clean_tokens"]!.ints)
        XCTAssertEqual(exp.metrics.map(\.name), ["kl_div", "logit_diff", "nll", "match_nll"])
        XCTAssertEqual(exp.metrics[1].spec, .logitDiff(position: 14, correct: Array(t.io.prefix(100)), wrong: Array(t.s.prefix(100))))
        XCTAssertEqual(exp.modelPath, "/nonexistent/gpt2")
    }

    func testGreaterThanExperimentEqualsReference() throws {
        let ref = try loadJSON(fixture("task-data/greaterthan.json"))
        let exp = try GreaterThanTask().experiment(TaskContext(tasksDirectory: tasksDir, modelDirectory: "/m"))
        let rows = ref["rows"]!.array!
        XCTAssertEqual(exp.clean.rows, 100)
        for i in 0..<100 {
            let tokens = rows[i]["tokens"]!.ints
            XCTAssertEqual(exp.clean.row(i), tokens, "row \(i)")
            var corrupted = tokens; corrupted[7] = 486
            XCTAssertEqual(exp.corrupted.row(i), corrupted, "row \(i)")
        }
        guard case .greaterThan(let p, let years, let start) = exp.metrics[1].spec else { return XCTFail("metric 1") }
        XCTAssertEqual(p, 9)
        XCTAssertEqual(years, ref["suffix_tokens"]!.ints)
        XCTAssertEqual(start[0], 89)   // row 0: 1289
        XCTAssertEqual(exp.metrics[0].spec, .klDiv(.positions([9])))
    }

    func testUserModelTasksNeedModel() {
        for (t, needs) in [("ioi", "GPT-2 small"), ("greaterthan", "GPT-2 small"), ("docstring", "attn-only-4l")] {
            XCTAssertThrowsError(try TaskCatalog.named(t).experiment(context)) { e in
                let m = (e as? ACDCError)?.message ?? ""
                XCTAssertTrue(m.hasPrefix("\(t) needs \(needs)"), m)
                XCTAssertTrue(m.contains("--model DIR"), m)
                XCTAssertFalse(m.contains("\n"))
            }
        }
        XCTAssertThrowsError(try TaskCatalog.named("nope")) { e in
            XCTAssertTrue(((e as? ACDCError)?.message ?? "").contains("known: tracr-reverse"))
        }
    }

    func testInductionExperiment() throws {
        let exp = try InductionTask().experiment(context)
        let data = try loadJSON(tasksDir + "/induction/data.json")
        XCTAssertEqual(exp.clean.rows, data["clean"]!.array!.count)
        XCTAssertEqual(exp.metrics.map(\.name), ["kl_div", "nll", "match_nll"])
        guard case .nll(.mask(let mask), let labels) = exp.metrics[1].spec else { return XCTFail("nll") }
        let row0 = data["clean"]!.array![0].ints
        XCTAssertEqual(labels[0][20], row0[21])
        XCTAssertTrue(mask[0][20]); XCTAssertFalse(mask[0][0])
        // Every task experiment validates against its model.
        let model = try HookedTransformer.load(directory: exp.modelPath)
        XCTAssertNoThrow(try EvaluationSetup(model: model, experiment: exp, metric: nil, zeroAblation: false))
    }

    /// The exported JSON loads back into the same experiment.
    func testExportRoundTrip() throws {
        for t in ["tracr-reverse", "tracr-proportion", "induction"] {
            let exp = try TaskCatalog.named(t).experiment(context)
            let path = NSTemporaryDirectory() + "/acdc-task-\(t)-\(getpid()).json"
            try AtomicFile.write(exp.json().serialized(indent: 1), to: path)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let back = try Experiment.load(path: path)
            XCTAssertEqual(back.modelPath, exp.modelPath)
            XCTAssertEqual(back.clean, exp.clean); XCTAssertEqual(back.corrupted, exp.corrupted)
            XCTAssertEqual(back.metrics.map(\.spec), exp.metrics.map(\.spec))
            XCTAssertEqual(back.metrics.map(\.name), exp.metrics.map(\.name))
            XCTAssertEqual(back.corruptedPosPermutation, exp.corruptedPosPermutation)
        }
    }
}
