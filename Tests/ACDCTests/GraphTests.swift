import XCTest
import TestSupport
@testable import ACDC
import Transformer

/// Graph sizes the spec states (ACDC.md §2 and the ROC cross-check), and the
/// properties the main loop relies on.
final class GraphTests: XCTestCase {
    func config(layers: Int, heads: Int, attnOnly: Bool) -> ModelConfig {
        ModelConfig(nLayers: layers, dModel: heads * 8, nHeads: heads, dHead: 8, dMLP: attnOnly ? nil : heads * 32,
                    dVocab: 10, nCtx: 16, attnOnly: attnOnly)
    }

    func counts(_ g: ComputationalGraph) -> [EdgeType: Int] {
        var c: [EdgeType: Int] = [:]
        for e in g.edges { c[e.type, default: 0] += 1 }
        return c
    }

    func testGPT2SmallHas32923Edges() {
        let g = ComputationalGraph(config: config(layers: 12, heads: 12, attnOnly: false), usePosEmbed: false)
        XCTAssertEqual(g.countEdges(Array(repeating: true, count: g.edges.count)), 32923)
        XCTAssertEqual(counts(g)[.addition], 32491)
        XCTAssertEqual(counts(g)[.directComputation], 432)
    }

    func testAttentionOnlyModels() {
        // redwood_attn_2l: 2 layers x 8 heads; attn-only-4l: 4 layers x 8 heads.
        let two = ComputationalGraph(config: config(layers: 2, heads: 8, attnOnly: true), usePosEmbed: false)
        XCTAssertEqual(two.countEdges(Array(repeating: true, count: two.edges.count)), 305)
        let four = ComputationalGraph(config: config(layers: 4, heads: 8, attnOnly: true), usePosEmbed: false)
        XCTAssertEqual(four.countEdges(Array(repeating: true, count: four.edges.count)), 1377)
    }

    func testTracrGraphs() throws {
        let reverse = ComputationalGraph(config: try ModelConfig.load(file: fixture("tracr-reverse/model/config.json")), usePosEmbed: true)
        XCTAssertEqual(reverse.edges.count, 122)
        XCTAssertEqual(reverse.countEdges(Array(repeating: true, count: reverse.edges.count)), 106)
        let proportion = ComputationalGraph(config: try ModelConfig.load(file: fixture("tracr-proportion/model/config.json")), usePosEmbed: true)
        XCTAssertEqual(proportion.countEdges(Array(repeating: true, count: proportion.edges.count)), 38)
    }

    /// Reverse topological order: the output first, every child before its parents.
    func testOrderIsReverseTopological() {
        let g = ComputationalGraph(config: config(layers: 3, heads: 4, attnOnly: false), usePosEmbed: false)
        XCTAssertEqual(Set(g.order).count, g.nodes.count)
        XCTAssertEqual(g.nodes[g.order[0]].name, "blocks.2.hook_resid_post[:]")
        var position = Array(repeating: 0, count: g.nodes.count)
        for (i, n) in g.order.enumerated() { position[n] = i }
        for e in g.edges { XCTAssertLessThan(position[e.child], position[e.parent], g.edgeString(g.edges.firstIndex { $0.child == e.child && $0.parent == e.parent }!)) }
    }

    func testEdgeStringsRoundTripThroughLookup() {
        let g = ComputationalGraph(config: config(layers: 2, heads: 3, attnOnly: false), usePosEmbed: false)
        let lookup = g.makeEdgeLookup()
        for i in g.edges.indices {
            XCTAssertEqual(lookup[g.edgeString(i, withType: false)] ?? lookup[g.edgeString(i)], i)
        }
    }
}
