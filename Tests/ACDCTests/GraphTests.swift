import Foundation
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

    /// The README's edge-count formula: L layers, H query heads (grouped-query
    /// attention ungrouped), m = 1 with MLPs, E embedding nodes, R = 3H + m
    /// receivers per layer: ADDITION = E(L·R + 1) + (H + m)(R·L(L−1)/2 + L)
    /// + H·m·L (sequential blocks only: a layer's heads feed its MLP),
    /// DIRECT_COMPUTATION = 3HL, PLACEHOLDER = 3HL + mL; nodes 1 + L(7H + 2m) + E.
    func testEveryArchitectureMatchesTheEdgeCountFormula() throws {
        var checked: [String] = []
        for name in hfArchCases {
            let c = try HookedTransformer.load(directory: fixture("hf-arch/" + name)).config
            let g = ComputationalGraph(config: c, usePosEmbed: false)
            let L = c.nLayers, H = c.nHeads, m = c.hasMLP ? 1 : 0, E = 1, R = 3 * H + m
            let addition = E * (L * R + 1) + (H + m) * (R * L * (L - 1) / 2 + L) + (c.parallelResidual ? 0 : H * m * L)
            XCTAssertEqual(counts(g)[.addition], addition, name)
            XCTAssertEqual(counts(g)[.directComputation], 3 * H * L, name)
            XCTAssertEqual(counts(g)[.placeholder], 3 * H * L + m * L, name)
            XCTAssertEqual(g.nodes.count, 1 + L * (7 * H + 2 * m) + E, name)
            checked.append("\(name) L\(L) H\(H)\(c.parallelResidual ? " parallel" : ""): \(g.countEdges(Array(repeating: true, count: g.edges.count))) edges")
            if c.parallelResidual {
                // The MLP reads the block input: none of its parents is a head of its own layer.
                for l in 0..<L {
                    let parents = g.parentGroups[g.nodeIndex[.mlpIn(l)]!].flatMap { $0.edges }.map { g.nodes[g.edges[$0].parent] }
                    XCTAssertFalse(parents.contains { if case .result(let pl, _) = $0 { return pl >= l }; return false }, name)
                    XCTAssertEqual(parents.count, 1 + l * (H + m), name)
                }
            }
        }
        print("graph sizes: " + checked.joined(separator: "; "))
        // GPT-2 small with the formula, as a cross-check of the formula itself.
        let (L, H, m, E) = (12, 12, 1, 1), R = 3 * H + m
        XCTAssertEqual(E * (L * R + 1) + (H + m) * (R * L * (L - 1) / 2 + L) + H * m * L, 32491)
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
