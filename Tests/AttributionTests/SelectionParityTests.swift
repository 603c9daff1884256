import ACDC
import Attribution
import Foundation
import TestSupport
import Transformer
import XCTest

/// Selections (top-n, greedy, threshold, each pruned) and their evaluations
/// against the library's, for every metric and method of the fixture.
final class SelectionParityTests: XCTestCase {
    static let files = ["EAP", "EAP-IG-inputs-5", "EAP-IG-inputs-30", "EAP-IG-activations-5", "clean-corrupted", "exact"]

    func testSelectionsFromTheLibrarysScoresAreTheLibrarys() throws {
        let graph = AttributionGraph(config: TinyGPT2.model.config)
        var compared = 0
        for metric in ["kl", "logit_diff"] {
            for f in Self.files where !(metric == "kl" && f == "EAP") {  // EAP with KL: noise, selections skipped
                let ref = try LibraryCase("\(metric)-\(f)")
                let sel = try Selection(graph: graph, scores: ref.scores.map(\.1))
                for s in ref.selections {
                    let kind = s["kind"] as! String
                    let raw: [Bool]
                    switch kind {
                    case "topn": raw = sel.topN(s["n"] as! Int)
                    case "greedy": raw = sel.greedy(s["n"] as! Int)
                    default: raw = sel.threshold(Float((s["threshold"] as! NSNumber).doubleValue))
                    }
                    let name = "\(metric)-\(f) \(kind) \(s["n"] ?? s["threshold"]!)"
                    let before = Set(graph.edges.indices.filter { raw[$0] }.map { graph.edges[$0].name })
                    XCTAssertEqual(before, Set(s["edges_before_prune"] as! [String]), "\(name) before pruning")
                    let pruned = sel.prune(raw)
                    XCTAssertEqual(Set(graph.edges.indices.filter { pruned[$0] }.map { graph.edges[$0].name }),
                                   Set(s["edges"] as! [String]), "\(name) after pruning")
                    XCTAssertEqual(sel.nodes(pruned), s["nodes"] as! [String], name)
                    compared += 1
                }
            }
        }
        XCTAssertEqual(compared, 11 * 5)
    }

    /// evaluate_graph of every fixture selection, the full and the empty
    /// graph, and the baselines: within 1e-5 relative (plus 1e-6 absolute,
    /// the float32 resolution of the evaluations, for values near 0).
    func testEvaluationsAreTheLibrarys() throws {
        var worst = 0.0
        for metric in ["kl", "logit_diff"] {
            let ev = try CircuitEvaluator(model: TinyGPT2.model, experiment: TinyGPT2.experiment, metric: TinyGPT2.metric(metric))
            let graph = ev.graph
            func check(_ ours: Double, _ theirs: Double, _ what: String) {
                XCTAssertEqual(ours, theirs, accuracy: 1e-5 * abs(theirs) + 1e-6, what)
                worst = max(worst, abs(ours - theirs) / max(abs(theirs), 1e-3))
            }
            let any = try LibraryCase("\(metric)-exact")
            check(ev.full(), any.value("full_graph", "evaluate_graph"), "\(metric) full")
            check(ev.empty(), any.value("empty_graph", "evaluate_graph"), "\(metric) empty")
            check(ev.empty(), any.value("baseline", "evaluate_baseline_run_corrupted"), "\(metric) corrupted baseline")
            for f in Self.files {
                let ref = try LibraryCase("\(metric)-\(f)")
                for s in ref.selections {
                    let edges = Set(s["edges"] as! [String])
                    let present = graph.edges.map { edges.contains($0.name) }
                    check(ev.evaluate(present), (s["evaluate_graph"] as! NSNumber).doubleValue, "\(metric)-\(f) \(s["kind"]!)")
                }
            }
        }
        print("evaluation parity: max relative error \(worst)")
    }

    /// Our own scores select the library's circuits wherever the score gap at
    /// the cut is above the score tolerance.
    func testOurScoresSelectTheLibrarysCircuits() throws {
        let graph = AttributionGraph(config: TinyGPT2.model.config)
        for (metric, f, method, steps) in [("logit_diff", "EAP", AttributionMethod.eap, 0), ("kl", "EAP-IG-inputs-5", .eapIGInputs, 5),
                                            ("logit_diff", "clean-corrupted", .cleanCorrupted, 0), ("kl", "exact", .exact, 0)] {
            let ref = try LibraryCase("\(metric)-\(f)")
            let scores = try EdgeAttribution(model: TinyGPT2.model, experiment: TinyGPT2.experiment, metric: TinyGPT2.metric(metric))
                .scores(method: method, igSteps: steps)
            let sel = try Selection(graph: graph, scores: scores)
            let tol = 1e-4 * Double(ref.scores.map { abs($0.1) }.max()!)
            for s in ref.selections where s["kind"] as! String != "threshold" {
                if let margin = s["abs_score_margin_at_n"] as? NSNumber, margin.doubleValue <= tol { continue }
                let n = s["n"] as! Int
                let pruned = sel.prune(s["kind"] as! String == "topn" ? sel.topN(n) : sel.greedy(n))
                XCTAssertEqual(Set(graph.edges.indices.filter { pruned[$0] }.map { graph.edges[$0].name }),
                               Set(s["edges"] as! [String]), "\(metric)-\(f) \(s["kind"]!) \(n)")
            }
        }
    }
}
