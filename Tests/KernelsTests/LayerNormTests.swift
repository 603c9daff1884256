import XCTest
import Kernels

/// `layerNorm` against `referenceLayerNorm` (the formula in Double).
///
/// Tolerance 1e-5 absolute: outputs are O(1) (normalised, times w in [0.5, 1.5),
/// plus b in [−1, 1)), and the fast path differs from the Double oracle only by
/// float32 rounding of the centring, the scale and the final multiply-add —
/// a few ulps of numbers below ~4, i.e. ≲ 1e-6. Rows far from zero get one
/// ulp of their offset on top: the kernel (like torch) rounds the mean to
/// float32 before centring, which shifts every centred value by up to half an
/// ulp of the mean (3e-5 at 1000).
final class LayerNormTests: XCTestCase {
    let eps: Float = 1e-5

    func run(_ x: [Float], width: Int, weight: [Float]?, bias: [Float]?) -> [Float] {
        var out = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { px in out.withUnsafeMutableBufferPointer { po in
            let w = weight.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.count) }
            let b = bias.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.count) }
            defer { w?.deallocate(); b?.deallocate() }
            if let w, let weight { w.initialize(from: weight, count: weight.count) }
            if let b, let bias { b.initialize(from: bias, count: bias.count) }
            layerNorm(px.baseAddress!, rows: x.count / width, width: width,
                      weight: w.map { UnsafePointer($0) }, bias: b.map { UnsafePointer($0) }, eps: eps, output: po.baseAddress!)
        } }
        return out
    }

    func check(width: Int, rows: Int, offset: Float, seed: UInt64, weighted: Bool) {
        var rng = SeededRandom(seed: seed)
        // An offset tests that the mean is removed before squaring (no catastrophic cancellation).
        let x = rng.floats(rows * width).map { $0 * 3 + offset }
        let w = weighted ? rng.floats(width, 0.5, 1.5) : nil
        let b = weighted ? rng.floats(width) : nil
        let got = run(x, width: width, weight: w, bias: b)
        let want = referenceLayerNorm(x, width: width, weight: w, bias: b, eps: eps)
        let (diff, at) = maxAbsDiff(got, want)
        let tolerance: Float = 1e-5 + offset.magnitude.ulp
        XCTAssertLessThanOrEqual(diff, tolerance, "width \(width) offset \(offset) weighted \(weighted): element \(at) got \(got[at]) want \(want[at])")
    }

    func testWithWeightAndBias() {
        for (width, seed) in [(1, 10), (7, 11), (64, 12), (768, 13)] {
            check(width: width, rows: 5, offset: 0, seed: UInt64(seed), weighted: true)
        }
    }

    func testWithoutWeights() { // LNPre
        for (width, seed) in [(3, 20), (41, 21), (768, 22)] {
            check(width: width, rows: 4, offset: 0, seed: UInt64(seed), weighted: false)
        }
    }

    func testLargeOffsetRows() {
        check(width: 64, rows: 3, offset: 1000, seed: 30, weighted: true)
        check(width: 64, rows: 3, offset: -250, seed: 31, weighted: false)
    }

    func testWeightWithoutBias() {
        var rng = SeededRandom(seed: 40)
        let x = rng.floats(3 * 16), w = rng.floats(16, 0.5, 1.5)
        let got = run(x, width: 16, weight: w, bias: nil)
        let want = referenceLayerNorm(x, width: 16, weight: w, bias: nil, eps: eps)
        XCTAssertLessThanOrEqual(maxAbsDiff(got, want).diff, 1e-5)
    }

    /// A constant row has zero variance: the result is 0·(1/√eps) = 0 (then + b), never NaN.
    func testConstantRowIsFinite() {
        let got = run([Float](repeating: 2.5, count: 8), width: 8, weight: nil, bias: nil)
        XCTAssertEqual(got, [Float](repeating: 0, count: 8))
    }

    /// The split path (`layerNormScales` then `layerNorm(scales:)`) is bit-identical
    /// to the fused kernel, and dividing by doubled scales halves (y − b).
    func testExplicitScales() {
        var rng = SeededRandom(seed: 45)
        let rows = 6, width = 24
        let x = rng.floats(rows * width, -2, 2), w = rng.floats(width, 0.5, 1.5), b = rng.floats(width)
        var fused = [Float](repeating: 0, count: x.count), split = fused, halved = fused
        var scales = [Float](repeating: 0, count: rows)
        layerNorm(x, rows: rows, width: width, weight: w, bias: b, eps: eps, output: &fused)
        layerNormScales(x, rows: rows, width: width, eps: eps, output: &scales)
        layerNorm(x, rows: rows, width: width, scales: scales, weight: w, bias: b, eps: eps, output: &split)
        XCTAssertEqual(fused, split)
        for r in 0..<rows {
            let row = Array(x[(r * width)..<((r + 1) * width)])
            let mean = row.reduce(0.0) { $0 + Double($1) } / Double(width)
            let variance = row.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(width)
            XCTAssertEqual(scales[r], Float((variance + Double(eps)).squareRoot()), accuracy: 1e-6)
        }
        let doubled = scales.map { $0 * 2 }
        layerNorm(x, rows: rows, width: width, scales: doubled, weight: w, bias: b, eps: eps, output: &halved)
        for i in 0..<x.count { XCTAssertEqual(halved[i] - b[i % width], (fused[i] - b[i % width]) / 2, accuracy: 1e-6) }

        // Strided rows: scales of every other row of a 2-row-wide buffer.
        var strided = [Float](repeating: 0, count: rows / 2)
        layerNormScales(x, rows: rows / 2, width: width, stride: 2 * width, eps: eps, output: &strided)
        XCTAssertEqual(strided, stride(from: 0, to: rows, by: 2).map { scales[$0] })
    }

    /// The forward normalises in place (`input` and `output` alias).
    func testInPlace() {
        var rng = SeededRandom(seed: 50)
        var x = rng.floats(4 * 32)
        let want = referenceLayerNorm(x, width: 32, weight: nil, bias: nil, eps: eps)
        x.withUnsafeMutableBufferPointer { p in
            layerNorm(p.baseAddress!, rows: 4, width: 32, weight: nil, bias: nil, eps: eps, output: p.baseAddress!)
        }
        XCTAssertLessThanOrEqual(maxAbsDiff(x, want).diff, 1e-5)
    }
}
