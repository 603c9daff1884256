import XCTest
@testable import Kernels

/// The attention rule's key ranges and soft-cap, and RMSNorm against its formula.
final class AttentionRuleTests: XCTestCase {
    func testCausalSlidingWindowKeys() {
        let rule = AttentionRule(scale: 1, causal: true, window: 4)
        XCTAssertEqual(rule.keys(query: 10, seqLen: 16), 7..<11, "query i sees i−W < j ≤ i")
        XCTAssertEqual(rule.keys(query: 2, seqLen: 16), 0..<3)
        XCTAssertEqual(AttentionRule(scale: 1, causal: true).keys(query: 10, seqLen: 16), 0..<11)
        XCTAssertEqual(AttentionRule(scale: 1, causal: false).keys(query: 3, seqLen: 16), 0..<16)
        var scores = [Float](repeating: 1, count: 16 * 16)
        rule.maskWindow(&scores, queries: 16, keys: 16)
        XCTAssertEqual(scores[10 * 16 + 6], maskedAttentionScore)
        XCTAssertEqual(scores[10 * 16 + 7], 1)
    }

    func testSoftcap() {
        let rule = AttentionRule(scale: 1, softcap: 4, causal: true)
        var s: [Float] = [0, 1, 100, -100]
        rule.cap(&s, count: 4)
        XCTAssertEqual(s[0], 0)
        XCTAssertEqual(s[1], 4 * tanhf(0.25), accuracy: 1e-7)
        XCTAssertEqual(s[2], 4, accuracy: 1e-6)
        XCTAssertEqual(s[3], -4, accuracy: 1e-6)
    }

    func testRMSNormMatchesFormula() {
        let x: [Float] = [0.5, -1.25, 3, 0.75, -2, 1, 0.125, -0.5, 2.5]
        let w: [Float] = [1, 0.5, -1, 2, 0, 1.5, 1, 1, 0.25]
        for offset: Float in [0, 1] {
            var y = [Float](repeating: 0, count: x.count)
            rmsNorm(x, rows: 1, width: x.count, weight: w, weightOffset: offset, eps: 1e-6, output: &y)
            let ms = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count)
            for i in x.indices {
                let want = Double(x[i]) / (ms + 1e-6).squareRoot() * Double(w[i] + offset)
                XCTAssertEqual(Double(y[i]), want, accuracy: 1e-6)
            }
        }
    }

    func testRotaryRotatesPairsHalfApart() {
        // dim 4 of a 6-wide head: pairs (0, 2) and (1, 3); components 4, 5 pass.
        let rot = Rotary(dim: 4, inverseFrequencies: [1, 0.5])
        let t = rot.tables(positions: 3)
        var v: [Float] = [1, 2, 3, 4, 5, 6]
        rot.apply(&v, rows: 1, ld: 6, cos: t.cos, sin: t.sin) { _ in 2 }
        let a0 = 2 * Float(1), a1 = 2 * Float(0.5)
        XCTAssertEqual(v[0], 1 * cos(a0) - 3 * sin(a0), accuracy: 1e-6)
        XCTAssertEqual(v[2], 3 * cos(a0) + 1 * sin(a0), accuracy: 1e-6)
        XCTAssertEqual(v[1], 2 * cos(a1) - 4 * sin(a1), accuracy: 1e-6)
        XCTAssertEqual(v[3], 4 * cos(a1) + 2 * sin(a1), accuracy: 1e-6)
        XCTAssertEqual(Array(v[4...]), [5, 6])
    }
}
