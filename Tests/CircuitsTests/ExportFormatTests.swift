import XCTest
import TestSupport
@testable import ACDC
@testable import Circuits
import Checkpoint

/// Every export format's content, on a real run directory (tracr-reverse,
/// τ = 0.001, zero ablation: the canonical 15-edge circuit).
final class ExportFormatTests: XCTestCase {
    var runDir = ""
    var result: RunResult!

    override func setUpWithError() throws {
        let tmp = try temporaryDirectory(self)
        runDir = try makeRunDirectory("tracr-reverse", options: reverseZero, in: tmp).dir
        result = try RunResult.load(runDir: runDir)
    }

    func testRunResultReadsBack() throws {
        XCTAssertTrue(result.finished)
        XCTAssertEqual(result.edgesKept, 15)
        XCTAssertEqual(result.edgesTotal, 106)
        XCTAssertEqual(result.presentEdges.count, 24)
        XCTAssertEqual(result.presentNonPlaceholder.count, 15)
        XCTAssertEqual(result.options, reverseZero)
        // Every tested edge has an effect size (removed ones from the trace).
        XCTAssertEqual(result.effectSizes.count, result.evaluations)
    }

    func testJSON() throws {
        let text = JSONExport.render(try Circuit(run: result))
        let j = try JSONValue.parse(Array(text.utf8))
        XCTAssertEqual(j["format"]?.string, "acdc-circuit/1")
        XCTAssertEqual(j["options"]?["threshold"]?.double, 0.001)
        XCTAssertEqual(j["options"]?["zero_ablation"]?.bool, true)
        XCTAssertEqual(j["edges_kept"]?.int, 15)
        XCTAssertEqual(j["edge_types"]?["ADDITION"]?.int, 11)
        XCTAssertEqual(j["edge_types"]?["DIRECT_COMPUTATION"]?.int, 4)
        XCTAssertEqual(j["edge_types"]?["PLACEHOLDER"]?.int, 9)
        let edges = try XCTUnwrap(j["edges"]?.array)
        XCTAssertEqual(edges.count, 24)
        for e in edges {
            let type = try XCTUnwrap(e["type"]?.string)
            // Placeholders are never tested; everything else in a finished run was.
            XCTAssertEqual(e["effect_size"]?.isNull, type == "PLACEHOLDER", "\(e.serialized())")
        }
        let out = edges.first { $0["child"]?.string == "blocks.3.hook_resid_post[:]" }
        XCTAssertEqual(out?["parent"]?.string, "blocks.3.attn.hook_result[:,:,0]")
        let nodes = try XCTUnwrap(j["nodes"]?.array)
        let labels = Set(nodes.compactMap { $0["label"]?.string })
        XCTAssertEqual(labels, ["a0.0", "a0.0_v", "m0", "m1", "m2", "token_embeds", "pos_embeds", "a3.0", "a3.0_q", "a3.0_k", "a3.0_v", "resid_post"])
        let posEmbed = nodes.first { $0["name"]?.string == "hook_pos_embed[:]" }
        XCTAssertEqual(posEmbed?["kind"]?.string, "pos_embed")
        XCTAssertEqual(posEmbed?["layer"]?.isNull, true)
    }

    func testDot() throws {
        let dot = DotExport().render(try Circuit(run: result))
        XCTAssertTrue(dot.hasPrefix("digraph ACDC {"))
        for label in ["a0.0_v", "a0.0", "m0", "m1", "m2", "token_embeds", "pos_embeds", "a3.0_q", "a3.0_k", "a3.0_v", "a3.0", "resid_post"] {
            XCTAssertTrue(dot.contains("\"\(label)\" [label=<\(label)>"), "node \(label) missing")
        }
        XCTAssertTrue(dot.contains("\"resid_post\" [label=<resid_post>, fillcolor=\"#fff2ae\"]"))
        XCTAssertTrue(dot.contains("\"m2\" [label=<m2>, fillcolor=\"#f0f0f0\"]"))
        XCTAssertTrue(dot.contains("\"token_embeds\" [label=<token_embeds>, fillcolor=\"#cbd5e8\"]"))
        XCTAssertTrue(dot.contains("\"a3.0\" -> \"resid_post\" [color=\"#FF0000\""), "ADDITION edges are red")
        XCTAssertTrue(dot.contains("\"a3.0_q\" -> \"a3.0\" [color=\"#00FF00\""), "DIRECT_COMPUTATION edges are green")
        XCTAssertTrue(dot.contains("\"m2\" -> \"a3.0_q\""))
        XCTAssertTrue(dot.contains("style=\"filled, rounded\""))
        XCTAssertTrue(dot.contains("fontname=\"Helvetica\""))
        // One drawn edge per non-placeholder edge; placeholders become self-loops and are dropped.
        XCTAssertEqual(dot.components(separatedBy: " -> ").count - 1, 15)
        XCTAssertFalse(dot.contains("\"a3.0\" -> \"a3.0\""))
        XCTAssertFalse(dot.contains("#0000FF"))

        let byParent = DotExport(edgeColors: .parent).render(try Circuit(run: result))
        XCTAssertTrue(byParent.contains("\"m2\" -> \"a3.0_q\" [color=\"#f0f0f0\""), "parent colouring uses the parent node's colour")
        let full = DotExport(fullLabels: true).render(try Circuit(run: result))
        XCTAssertTrue(full.contains("[label=<blocks.3.hook_resid_post[:]>"))
    }

    func testDotRendersWithGraphvizWhenInstalled() throws {
        guard ExternalTools.find("dot") != nil else { throw XCTSkip("Graphviz not installed") }
        let svg = String(decoding: try ExternalTools.renderDot(DotExport().render(try Circuit(run: result)), format: "svg"), as: UTF8.self)
        XCTAssertTrue(svg.contains("<svg"))
        XCTAssertTrue(svg.contains("resid_post"))
        let png = try ExternalTools.renderDot("digraph { a -> b }", format: "png")
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    }

    func testMIB() throws {
        let (graph, present) = try result.graph()
        let effects = graph.edges.indices.map { result.effectSizes[graph.edgeString($0, withType: false)] }
        let j = try JSONValue.parse(Array(MIBExport.render(graph: graph, present: present, effectSizes: effects, dModel: 41).utf8))
        XCTAssertEqual(j.objectPairs?.map(\.0), ["cfg", "nodes", "edges"])
        XCTAssertEqual(j["cfg"]?["n_layers"]?.int, 4)
        XCTAssertEqual(j["cfg"]?["n_heads"]?.int, 1)
        XCTAssertEqual(j["cfg"]?["d_model"]?.int, 41)
        XCTAssertEqual(j["cfg"]?["parallel_attn_mlp"]?.bool, false)
        let nodes = try XCTUnwrap(j["nodes"]?.objectPairs)
        XCTAssertEqual(nodes.map(\.0), ["input", "a0.h0", "m0", "a1.h0", "m1", "a2.h0", "m2", "a3.h0", "m3", "logits"])
        let inGraphNodes = Set(nodes.filter { $0.1["in_graph"]?.bool == true }.map(\.0))
        XCTAssertEqual(inGraphNodes, ["input", "a0.h0", "m0", "m1", "m2", "a3.h0", "logits"])
        let edges = try XCTUnwrap(j["edges"]?.objectPairs)
        // EAP-IG's full graph for 4 layers × 1 head with MLPs: Σ_l [3(1+2l) + (2+2l)] + 9 = 77 edges.
        XCTAssertEqual(edges.count, 77)
        for (name, v) in edges {
            XCTAssertNotNil(name.range(of: #"^(input|a\d+\.h\d+|m\d+)->(logits|m\d+|a\d+\.h\d+<[qkv]>)$"#, options: .regularExpression), name)
            XCTAssertNotNil(v["score"]?.double, name)
            XCTAssertNotNil(v["in_graph"]?.bool, name)
        }
        // The canonical circuit in MIB terms: the two embeddings merge into `input`
        // (mlp_in 1 ← hook_embed and ← hook_pos_embed become one edge).
        let kept = Set(edges.filter { $0.1["in_graph"]?.bool == true }.map(\.0))
        XCTAssertEqual(kept, ["a3.h0->logits", "m2->a3.h0<q>", "input->a3.h0<k>", "input->a3.h0<v>", "m1->m2",
                              "m0->m1", "input->m1", "a0.h0->m0", "input->m0", "input->a0.h0<v>"])
        let score = edges.first { $0.0 == "a3.h0->logits" }?.1["score"]?.double
        XCTAssertEqual(score, result.effectSizes["blocks.3.hook_resid_post[:]<-blocks.3.attn.hook_result[:,:,0]"])
    }

    func testMIBFreezesRemovedQKVInputs() throws {
        // Removing a head's query DIRECT_COMPUTATION edge cuts every MIB edge into <q>.
        let (graph, original) = try result.graph()
        var present = original
        let lookup = graph.makeEdgeLookup()
        present[lookup["blocks.3.attn.hook_q[:,:,0]<-blocks.3.hook_q_input[:,:,0]"]!] = false
        let j = try JSONValue.parse(Array(MIBExport.render(graph: graph, present: present, effectSizes: graph.edges.map { _ in nil }, dModel: 41).utf8))
        XCTAssertEqual(j["edges"]?["m2->a3.h0<q>"]?["in_graph"]?.bool, false)
        XCTAssertEqual(j["edges"]?["input->a3.h0<k>"]?["in_graph"]?.bool, true)
    }

    func testHDF5ReadsBack() throws {
        let (graph, present) = try result.graph()
        let path = runDir + "/circuit.h5"
        try HDF5Export.write(run: result, graph: graph, present: present, to: path)
        let f = try HDF5File.open(path)
        defer { try? f.close() }
        XCTAssertEqual(try f.stringAttribute("format"), "acdc-circuit/1")
        XCTAssertEqual(try f.stringAttribute("metric"), "l2")
        XCTAssertEqual(try f.numericAttribute("threshold", as: Double.self), 0.001)
        XCTAssertEqual(try f.numericAttribute("zero_ablation", as: UInt8.self), 1)
        XCTAssertEqual(try f.numericAttribute("edges_kept", as: Int64.self), 15)
        XCTAssertEqual(try f.numericAttribute("final_metric", as: Double.self), result.finalMetric)
        let names = try f.readStrings(from: "edges/name")
        XCTAssertEqual(names.count, 122)
        XCTAssertEqual(names, graph.edges.indices.map { graph.edgeString($0, withType: false) })
        XCTAssertEqual(try f.readStrings(from: "edges/type"), graph.edges.map(\.type.rawValue))
        let mask = try f.readVector(UInt8.self, from: "edges/present")
        XCTAssertEqual(mask.map { $0 == 1 }, present)
        let effects = try f.readVector(Double.self, from: "edges/effect_size")
        XCTAssertEqual(effects.filter { !$0.isNaN }.count, result.evaluations)
        XCTAssertEqual(try f.readStrings(from: "circuit/edges"), result.presentEdges.map { $0.key + "|" + $0.type!.rawValue })
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp-\(getpid())"), "no temporary left behind")
    }

    func testMissingRunDirectoryAndResult() throws {
        let tmp = try temporaryDirectory(self)
        XCTAssertThrowsError(try RunResult.load(runDir: tmp + "/nope")) {
            XCTAssertEqual(($0 as? ACDCError)?.message, "\(tmp)/nope: no such run directory")
        }
        XCTAssertThrowsError(try RunResult.load(runDir: tmp)) {
            XCTAssertTrue(($0 as? ACDCError)?.message.hasPrefix("\(tmp)/result.json: missing") == true, "\($0)")
        }
        try AtomicFile.write("{\"format\": \"other\"}", to: tmp + "/result.json")
        XCTAssertThrowsError(try RunResult.load(runDir: tmp)) {
            XCTAssertTrue(($0 as? ACDCError)?.message.contains("'format' must be") == true, "\($0)")
        }
    }

    func testNodeNamesRoundTrip() throws {
        let (graph, _) = try result.graph()
        for n in graph.nodes { XCTAssertEqual(NodeKind(parsing: n.name), n) }
        XCTAssertEqual(NodeKind(parsing: "blocks.1.attn.hook_result[:, :, 3]"), .result(1, head: 3))
        XCTAssertNil(NodeKind(parsing: "blocks.1.attn.hook_result[:]"))
        XCTAssertNil(NodeKind(parsing: "blocks.1.hook_resid_pre[:]"))
        XCTAssertEqual(NodeKind.input(1, head: 6, .k).shortLabel, "a1.6_k")
        XCTAssertEqual(NodeKind.residPre.shortLabel, "embed")
    }
}
