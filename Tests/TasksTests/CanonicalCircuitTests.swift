import XCTest
import ACDC
import Transformer
@testable import Tasks

/// Sizes the spec computes for the reference's canonical circuits (ACDC.md §7.1-7.3).
final class CanonicalCircuitTests: XCTestCase {
    private func types(_ edges: [String], _ config: ModelConfig) -> [EdgeType: Int] {
        let g = ComputationalGraph(config: config, usePosEmbed: false)
        let lookup = g.makeEdgeLookup()
        var n: [EdgeType: Int] = [:]
        for e in edges {
            guard let i = lookup[e] else { XCTFail("not an edge of the graph: \(e)"); continue }
            n[g.edges[i].type, default: 0] += 1
        }
        return n
    }

    func testIOICircuitSize() {
        let edges = CanonicalCircuits.ioi()
        XCTAssertEqual(edges.count, 1041)
        XCTAssertEqual(types(edges, CanonicalCircuits.gpt2Small), [.addition: 963, .directComputation: 78])
        XCTAssertTrue(edges.contains("blocks.11.hook_resid_post[:]<-blocks.9.attn.hook_result[:,:,9]"))
        XCTAssertFalse(edges.contains("blocks.11.hook_resid_post[:]<-blocks.7.attn.hook_result[:,:,3]"))
    }

    func testGreaterThanCircuitSize() {
        let edges = CanonicalCircuits.greaterThan()
        XCTAssertEqual(edges.count, 262)
        XCTAssertEqual(types(edges, CanonicalCircuits.gpt2Small), [.addition: 235, .directComputation: 27])
    }

    func testDocstringCircuit() {
        let edges = CanonicalCircuits.docstring()
        XCTAssertEqual(edges.count, 37)
        XCTAssertEqual(Set(edges).count, 37)
        XCTAssertEqual(types(edges, CanonicalCircuits.attnOnly4L), [.addition: 24, .directComputation: 13])
    }

    func testComparison() {
        let c = CircuitComparison(found: ["a<-b|ADDITION", "a<-c|ADDITION", "q<-r|PLACEHOLDER"], canonical: ["a<-b", "d<-e"])
        XCTAssertEqual(c.both, ["a<-b"]); XCTAssertEqual(c.onlyFound, ["a<-c"]); XCTAssertEqual(c.onlyCanonical, ["d<-e"])
        XCTAssertEqual(c.precision, 0.5); XCTAssertEqual(c.recall, 0.5)
    }
}
