import XCTest
import Kernels

/// `softmaxRows` (with and without the causal mask) and `logSoftmax`.
///
/// Tolerances: each probability is compared with exp(x − max)/Σ computed in
/// Double; float32 expf and the float32 sum give a relative error of a few
/// ulps times log(keys), so 1e-6 absolute on values ≤ 1 is ample. Row sums
/// get 1e-5 (keys ≤ 64 terms rounded once each).
final class SoftmaxTests: XCTestCase {
    func expected(_ row: [Float]) -> [Float] {
        let mx = Double(row.max()!)
        let e = row.map { Foundation.exp(Double($0) - mx) }
        let s = e.reduce(0, +)
        return e.map { Float($0 / s) }
    }

    func testCausalMaskGivesExactZerosAndRowsSumToOne() {
        var rng = SeededRandom(seed: 60)
        for t in [1, 2, 5, 12, 64] {
            // Scores up to ±20: large enough that the mask constant −1e5 must not leak.
            var s = rng.floats(t * t, -20, 20)
            let original = s
            s.withUnsafeMutableBufferPointer { softmaxRows($0.baseAddress!, queries: t, keys: t, causal: true) }
            for q in 0..<t {
                let row = Array(s[(q * t)..<((q + 1) * t)])
                for k in (q + 1)..<max(q + 1, t) { XCTAssertEqual(row[k], 0, "t \(t): masked [\(q), \(k)] must be exactly 0") }
                let sum = row.reduce(Float(0), +)
                XCTAssertEqual(sum, 1, accuracy: 1e-5, "t \(t) row \(q)")
                let want = expected(Array(original[(q * t)...(q * t + q)]))
                for k in 0...q { XCTAssertEqual(row[k], want[k], accuracy: 1e-6, "t \(t) [\(q), \(k)]") }
            }
        }
    }

    func testBidirectionalRows() {
        var rng = SeededRandom(seed: 61)
        let t = 6
        var s = rng.floats(t * t, -5, 5)
        let original = s
        s.withUnsafeMutableBufferPointer { softmaxRows($0.baseAddress!, queries: t, keys: t, causal: false) }
        for q in 0..<t {
            let want = expected(Array(original[(q * t)..<((q + 1) * t)]))
            for k in 0..<t {
                XCTAssertGreaterThan(s[q * t + k], 0)
                XCTAssertEqual(s[q * t + k], want[k], accuracy: 1e-6)
            }
        }
    }

    /// Rows of a query suffix: row 0 is absolute position `queryOffset`.
    func testQueryOffset() {
        var rng = SeededRandom(seed: 62)
        let keys = 7, queries = 3, offset = 4
        var s = rng.floats(queries * keys)
        s.withUnsafeMutableBufferPointer { softmaxRows($0.baseAddress!, queries: queries, keys: keys, causal: true, queryOffset: offset) }
        for q in 0..<queries {
            for k in 0..<keys {
                if k > q + offset { XCTAssertEqual(s[q * keys + k], 0) } else { XCTAssertGreaterThan(s[q * keys + k], 0) }
            }
        }
    }

    /// Huge equal scores must not overflow (the max is subtracted first).
    func testLargeScoresAreStable() {
        var s: [Float] = [1e30, 1e30, -1e30, 1e30]
        s.withUnsafeMutableBufferPointer { softmaxRows($0.baseAddress!, queries: 1, keys: 4, causal: false) }
        XCTAssertEqual(s[0], 1.0 / 3, accuracy: 1e-7)
        XCTAssertEqual(s[2], 0)
    }

    func testLogSoftmax() {
        var rng = SeededRandom(seed: 63)
        let x = rng.floats(101, -10, 10)
        var out = [Float](repeating: 0, count: x.count)
        logSoftmax(x, count: x.count, output: &out)
        let p = expected(x)
        // log p has magnitude ≤ ~25 here; 1e-5 absolute covers float rounding of x − lse.
        for i in 0..<x.count { XCTAssertEqual(out[i], Float(Foundation.log(Double(p[i]))), accuracy: 1e-5) }
    }
}
