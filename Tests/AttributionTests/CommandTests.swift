import ACDC
import Attribution
import Checkpoint
import Foundation
import TestSupport
import Transformer
import XCTest

/// `acdc attribute`, `select`, `eval` and `faithfulness` run as a user runs them.
final class CommandTests: XCTestCase {
    struct Result { let status: Int32; let out: String; let err: String }

    func acdc(_ args: [String]) throws -> Result {
        guard let exe = acdcExecutable else { throw XCTSkip("no acdc executable (looked in \(acdcExecutableCandidates))") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let o = Pipe(), e = Pipe()
        p.standardOutput = o; p.standardError = e
        try p.run()
        let out = o.fileHandleForReading.readDataToEndOfFile(), err = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, out: String(decoding: out, as: UTF8.self), err: String(decoding: err, as: UTF8.self))
    }

    let experiment = fixture("tiny-gpt2/experiment.json")

    func testAttributeSelectEvalFaithfulnessEndToEnd() throws {
        let dir = ScratchDirectory(prefix: "attr")
        let out = dir.path + "/eap"
        let a = try acdc(["attribute", "--experiment", experiment, "--method", "eap", "--metric", "logit_diff", "--out", out, "--quiet"])
        XCTAssertEqual(a.status, 0, a.err)
        XCTAssertTrue(a.out.contains("m0->logits"), a.out)
        let file = try ScoresFile.load(path: out)
        let ref = try LibraryCase("logit_diff-EAP")
        XCTAssertEqual(file.edges, ref.scores.map(\.0))
        let largest = ref.scores.map { abs($0.1) }.max()!
        for (s, r) in zip(file.scores, ref.scores) { XCTAssertEqual(s, r.1, accuracy: 1e-4 * largest, r.0) }
        // scores.h5 holds the same names and scores.
        let h5 = try HDF5File.open(out + "/scores.h5")
        XCTAssertEqual(try h5.readStrings(from: "edges/name"), file.edges)
        XCTAssertEqual(try h5.readVector(Float.self, from: "edges/score"), file.scores)
        XCTAssertEqual(try h5.stringAttribute("method"), "eap")
        XCTAssertEqual(try h5.stringAttribute("format"), ScoresFile.format)
        try h5.close()

        // The library's top-10 selection and its evaluation.
        let sel = try acdc(["select", out, "--top-n", "10", "--output", dir.path + "/c10", "--json"])
        XCTAssertEqual(sel.status, 0, sel.err)
        let top10 = ref.selections.first { $0["kind"] as! String == "topn" && $0["n"] as! Int == 10 }!
        let listed = try String(contentsOfFile: dir.path + "/c10.txt", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(Set(listed), Set(top10["edges"] as! [String]))
        for circuit in [dir.path + "/c10.json", dir.path + "/c10.txt"] {
            let ev = try acdc(["eval", "--experiment", experiment, "--metric", "logit_diff", "--edges", circuit, "--json"])
            XCTAssertEqual(ev.status, 0, ev.err)
            let j = try JSONValue.parse(Array(ev.out.utf8))
            let theirs = (top10["evaluate_graph"] as! NSNumber).doubleValue
            XCTAssertEqual(j["value"]!.double!, theirs, accuracy: 1e-5 * abs(theirs), circuit)
            XCTAssertEqual(j["full"]!.double!, ref.value("full_graph", "evaluate_graph"), accuracy: 1e-5 * 4.2)
            XCTAssertEqual(j["empty"]!.double!, ref.value("empty_graph", "evaluate_graph"), accuracy: 1e-5)
        }

        // acdc export draws a graph JSON.
        let dot = try acdc(["export", dir.path + "/c10.json", "--format", "dot"])
        XCTAssertEqual(dot.status, 0, dot.err)
        XCTAssertTrue(dot.out.contains("\"m0\" -> \"logits\""), dot.out)
        XCTAssertTrue(dot.out.contains("\"input\" -> \"a0.h0\""), dot.out)
        XCTAssertFalse(dot.out.contains("a0.h3"), "pruned node drawn: \(dot.out)")

        let f = try acdc(["faithfulness", out, "--quiet", "--json"])
        XCTAssertEqual(f.status, 0, f.err)
        let j = try JSONValue.parse(Array(f.out.utf8))
        let points = j["points"]!.array!
        XCTAssertEqual(points.map { $0["fraction"]!.double! }, FaithfulnessCurve.fractions)
        XCTAssertEqual(points.map { $0["edges_requested"]!.int! }, [0, 0, 0, 1, 2, 5, 11, 22, 55, 110])
        XCTAssertEqual(points.last!["faithfulness"]!.double!, 1, accuracy: 1e-6)
        XCTAssertEqual(points.first!["faithfulness"]!.double!, 0, accuracy: 1e-6)
        let cpr = j["cpr"]!.double!
        XCTAssertGreaterThan(cpr, 0); XCTAssertLessThan(cpr, 1.2)
        for ext in ["csv", "md", "svg"] { XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/faithfulness.\(ext)"), ext) }
        let csv = try String(contentsOfFile: out + "/faithfulness.csv", encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 11)
    }

    /// eval prunes a library circuit before evaluating it, as evaluate_graph does.
    func testEvalPrunesLikeTheLibrary() throws {
        let dir = ScratchDirectory(prefix: "attr-prune")
        let ref = try LibraryCase("logit_diff-EAP")
        let top10 = ref.selections.first { $0["kind"] as! String == "topn" && $0["n"] as! Int == 10 }!
        let before = top10["edges_before_prune"] as! [String]
        XCTAssertGreaterThan(before.count, (top10["edges"] as! [String]).count)
        try before.joined(separator: "\n").write(toFile: dir.path + "/raw.txt", atomically: true, encoding: .utf8)
        let ev = try acdc(["eval", "--experiment", experiment, "--metric", "logit_diff", "--edges", dir.path + "/raw.txt", "--json"])
        XCTAssertEqual(ev.status, 0, ev.err)
        let j = try JSONValue.parse(Array(ev.out.utf8))
        XCTAssertEqual(j["edges"]!.int!, (top10["edges"] as! [String]).count)
        XCTAssertEqual(j["edges_listed"]!.int!, before.count)
        let theirs = (top10["evaluate_graph"] as! NSNumber).doubleValue
        XCTAssertEqual(j["value"]!.double!, theirs, accuracy: 1e-5 * abs(theirs))
    }

    /// An ACDC run's circuit, exported in the library's vocabulary, evaluates
    /// there to the run's final metric (shared positions: the embedding node
    /// and `input` differ by a constant).
    func testACDCCircuitEvaluatesInTheLibraryVocabulary() throws {
        let dir = ScratchDirectory(prefix: "attr-acdc")
        let run = try acdc(["run", "--experiment", experiment, "--threshold", "0.05", "--metric", "kl_div",
                            "--out", dir.path + "/run", "--quiet", "--json"])
        XCTAssertEqual(run.status, 0, run.err)
        let final = try JSONValue.parse(Array(run.out.utf8))["final_metric"]!.double!
        XCTAssertEqual(try acdc(["export", dir.path + "/run", "--format", "mib", "-o", dir.path + "/c.json"]).status, 0)
        let ev = try acdc(["eval", "--experiment", experiment, "--metric", "kl_div", "--edges", dir.path + "/c.json", "--json"])
        XCTAssertEqual(ev.status, 0, ev.err)
        XCTAssertEqual(try JSONValue.parse(Array(ev.out.utf8))["value"]!.double!, final, accuracy: 1e-5 * abs(final) + 1e-6)
    }

    func testBadInputGetsOneLineErrors() throws {
        let dir = ScratchDirectory(prefix: "attr-bad")
        func fails(_ args: [String], _ needle: String) throws {
            let r = try acdc(args)
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertTrue(r.err.contains(needle), "\(args): \(r.err)")
            XCTAssertFalse(r.err.contains("Fatal error"), r.err)
        }
        try fails(["attribute", "--experiment", experiment, "--method", "eapx"], "unknown attribution method 'eapx'")
        try fails(["attribute", "--experiment", experiment, "--method", "eap-ig-inputs", "--ig-steps", "0"], "--ig-steps must be at least 1")
        try fails(["attribute", "--experiment", experiment, "--method", "eap", "--metric", "nope"], "no metric 'nope'")
        // Scores of the attention-only model (same graph shape) are not tiny-gpt2's.
        let out = dir.path + "/attn"
        XCTAssertEqual(try acdc(["attribute", "--experiment", fixture("attn-only/experiment.json"), "--method", "eap", "--out", out, "--quiet"]).status, 0)
        try fails(["faithfulness", out, "--experiment", experiment, "--quiet"], "scores of another experiment")
        try fails(["select", out, "--top-n", "3", "--greedy", "3"], "exactly one of")
        try fails(["select", dir.path + "/missing", "--top-n", "3"], "cannot read scores file")
        try "{\"format\": \"acdc-scores/1\"}".write(toFile: dir.path + "/bad.json", atomically: true, encoding: .utf8)
        try fails(["select", dir.path + "/bad.json", "--top-n", "3"], "bad.json: missing 'method'")
        try "input->a0.h0<q>\na9.h0->logits\n".write(toFile: dir.path + "/c.txt", atomically: true, encoding: .utf8)
        try fails(["eval", "--experiment", experiment, "--edges", dir.path + "/c.txt"], "c.txt:2: 'a9.h0->logits' is not an edge")
    }
}

final class ConversionAndCurveTests: XCTestCase {
    /// Every library edge has exactly one ACDC counterpart (tiny-gpt2) and a
    /// circuit survives the round trip through ACDC's mask.
    func testLibraryCircuitsRoundTripThroughTheACDCGraph() throws {
        let m = TinyGPT2.model
        let conv = GraphConversion(attribution: AttributionGraph(config: m.config), acdc: ComputationalGraph(config: m.config, usePosEmbed: false))
        XCTAssertEqual(conv.acdcEdge.compactMap { $0 }.count, 110)
        XCTAssertEqual(Set(conv.acdcEdge.compactMap { $0 }).count, 110)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            let present = (0..<110).map { _ in Bool.random(using: &rng) }
            XCTAssertEqual(conv.libraryPresent(acdcMask: conv.acdcMask(present: present)), present)
        }
        // The embedding node is input; head outputs and MLP outputs are the same tensors.
        let e = conv.attribution.edgeIndex["input->a1.h2<k>"]!
        XCTAssertEqual(conv.acdc.edgeString(conv.acdcEdge[e]!, withType: false),
                       "blocks.1.hook_k_input[:,:,2]<-blocks.0.hook_resid_pre[:]")
    }

    func testTrapezoidAreas() {
        XCTAssertEqual(FaithfulnessCurve.area([(0, 0), (1, 1)]), 0.5, accuracy: 1e-12)
        XCTAssertEqual(FaithfulnessCurve.area([(0.1, 1), (0.5, 1), (1, 0)]), 0.4 + 0.25, accuracy: 1e-12)
    }
}
