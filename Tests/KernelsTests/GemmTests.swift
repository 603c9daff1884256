import XCTest
import Kernels

/// `sgemm` / `sgemvRow` against the triple-loop `referenceMatmul` oracle.
///
/// Tolerance: the oracle accumulates in Double; OpenBLAS accumulates `k`
/// float32 products in some blocked order. The rounding error of such a sum is
/// bounded by about k·ε·Σ|aᵢ·bᵢ| (ε = 2⁻²⁴); with inputs in [−1, 1) and k ≤ 200
/// that is ≤ 200·6e-8·200 ≈ 2.4e-3 in the very worst case, ~1e-5 in practice.
/// We use 1e-4 relative to Σ|aᵢ·bᵢ| per element (`bound` below): loose
/// enough for any summation order, tight enough to catch a wrong index or
/// transpose, which gives O(1) errors.
final class GemmTests: XCTestCase {
    /// Row-major `rows × cols` → its transpose.
    func transpose(_ x: [Float], rows: Int, cols: Int) -> [Float] {
        var t = [Float](repeating: 0, count: x.count)
        for r in 0..<rows { for c in 0..<cols { t[c * rows + r] = x[r * cols + c] } }
        return t
    }

    /// Columns `from..<from+count` of a row-major `rows × stride` matrix, packed.
    func columns(_ x: [Float], rows: Int, stride: Int, from: Int, count: Int) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(rows * count)
        for r in 0..<rows { out += x[(r * stride + from)..<(r * stride + from + count)] }
        return out
    }

    /// Per-element error bound Σ_p |a_ip·b_pj| (packed row-major a[m×k], b[k×n]).
    func bound(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
        referenceMatmul(a.map(abs), b.map(abs), m: m, n: n, k: k)
    }

    func assertClose(_ got: [Float], _ want: [Float], scale: [Float], _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, what, file: file, line: line)
        for i in 0..<want.count {
            let tol = 1e-4 * max(scale[i], 1e-3)
            if !(abs(got[i] - want[i]) <= tol) {
                XCTFail("\(what): element \(i) is \(got[i]), expected \(want[i]) (tolerance \(tol))", file: file, line: line)
                return
            }
        }
    }

    let shapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (3, 5, 7), (17, 33, 65), (64, 16, 200), (1, 40, 9)]

    func testNoTranspose() {
        var rng = SeededRandom(seed: 1)
        for (m, n, k) in shapes {
            let a = rng.floats(m * k), b = rng.floats(k * n)
            var c = [Float](repeating: .nan, count: m * n) // beta = 0 must ignore old contents, NaN included
            sgemm(m, n, k, a: a, b: b, c: &c)
            assertClose(c, referenceMatmul(a, b, m: m, n: n, k: k), scale: bound(a, b, m: m, n: n, k: k), "NN \(m)x\(n)x\(k)")
        }
    }

    func testTransposedOperands() {
        var rng = SeededRandom(seed: 2)
        for (m, n, k) in shapes {
            let a = rng.floats(m * k), b = rng.floats(k * n)
            let want = referenceMatmul(a, b, m: m, n: n, k: k)
            let scale = bound(a, b, m: m, n: n, k: k)
            let aT = transpose(a, rows: m, cols: k), bT = transpose(b, rows: k, cols: n)
            var c = [Float](repeating: 0, count: m * n)
            sgemm(m, n, k, a: aT, transposeA: true, b: b, c: &c)
            assertClose(c, want, scale: scale, "TN \(m)x\(n)x\(k)")
            sgemm(m, n, k, a: a, b: bT, transposeB: true, c: &c)
            assertClose(c, want, scale: scale, "NT \(m)x\(n)x\(k)")
            sgemm(m, n, k, a: aT, transposeA: true, b: bT, transposeB: true, c: &c)
            assertClose(c, want, scale: scale, "TT \(m)x\(n)x\(k)")
        }
    }

    /// Column slices, as the forward uses them: head h's columns of a
    /// `[rows, H·d_head]` buffer are read with lda = H·d_head and written with
    /// ldc = H·d_head; other columns must stay untouched.
    func testLeadingDimensionsOnColumnSlices() {
        var rng = SeededRandom(seed: 3)
        let m = 9, n = 6, k = 5, heads = 3
        let wideA = rng.floats(m * k * heads), wideB = rng.floats(k * n * heads)
        let sentinel: Float = 12345
        var wideC = [Float](repeating: sentinel, count: m * n * heads)
        for h in 0..<heads {
            // A slice: columns h·k..<(h+1)·k of [m, heads·k]; B slice: columns of [k, heads·n].
            wideA.withUnsafeBufferPointer { pa in wideB.withUnsafeBufferPointer { pb in
                wideC.withUnsafeMutableBufferPointer { pc in
                    sgemm(m, n, k, a: pa.baseAddress! + h * k, lda: heads * k,
                          b: pb.baseAddress! + h * n, ldb: heads * n,
                          c: pc.baseAddress! + h * n, ldc: heads * n)
                }
            } }
        }
        for h in 0..<heads {
            let a = columns(wideA, rows: m, stride: heads * k, from: h * k, count: k)
            let b = columns(wideB, rows: k, stride: heads * n, from: h * n, count: n)
            let got = columns(wideC, rows: m, stride: heads * n, from: h * n, count: n)
            assertClose(got, referenceMatmul(a, b, m: m, n: n, k: k), scale: bound(a, b, m: m, n: n, k: k), "slice \(h)")
        }
        XCTAssertFalse(wideC.contains(sentinel), "every column of C is written exactly by its slice")

        // Transposed B through a slice, as attention scores q·kᵀ read k with ldb = H·d_head.
        let q = rng.floats(m * heads * k), kk = rng.floats(m * heads * k)
        var scores = [Float](repeating: 0, count: m * m)
        q.withUnsafeBufferPointer { pq in kk.withUnsafeBufferPointer { pk in
            sgemm(m, m, k, a: pq.baseAddress! + k, lda: heads * k, b: pk.baseAddress! + k, ldb: heads * k,
                  transposeB: true, c: &scores, alpha: 0.5)
        } }
        let qs = columns(q, rows: m, stride: heads * k, from: k, count: k)
        let ks = columns(kk, rows: m, stride: heads * k, from: k, count: k)
        let want = referenceMatmul(qs, transpose(ks, rows: m, cols: k), m: m, n: m, k: k).map { $0 * 0.5 }
        assertClose(scores, want, scale: bound(qs, transpose(ks, rows: m, cols: k), m: m, n: m, k: k), "q·kᵀ slice")
    }

    func testAlphaBetaAccumulate() {
        var rng = SeededRandom(seed: 4)
        let m = 7, n = 11, k = 13
        let a = rng.floats(m * k), b = rng.floats(k * n), c0 = rng.floats(m * n)
        var c = c0
        sgemm(m, n, k, a: a, b: b, c: &c, alpha: 2, beta: 1)
        let ab = referenceMatmul(a, b, m: m, n: n, k: k)
        let want = (0..<(m * n)).map { 2 * ab[$0] + c0[$0] }
        assertClose(c, want, scale: bound(a, b, m: m, n: n, k: k).map { 2 * $0 + 1 }, "alpha 2, beta 1")
    }

    func testGemvMatchesGemm() {
        var rng = SeededRandom(seed: 5)
        let n = 37, k = 19
        let x = rng.floats(k), b = rng.floats(k * n), y0 = rng.floats(n)
        var y = y0
        sgemvRow(n: n, k: k, x: x, b: b, y: &y, beta: 1)
        let xb = referenceMatmul(x, b, m: 1, n: n, k: k)
        assertClose(y, (0..<n).map { xb[$0] + y0[$0] }, scale: bound(x, b, m: 1, n: n, k: k).map { $0 + 1 }, "gemv")
    }

    func testZeroSizedIsANoOp() {
        var c: [Float] = [7]
        sgemm(0, 1, 3, a: [1, 2, 3], b: [1, 2, 3], c: &c)
        sgemm(1, 0, 3, a: [1, 2, 3], b: [1, 2, 3], c: &c)
        XCTAssertEqual(c, [7])
        // k = 0 is an empty sum: C = beta·C.
        sgemm(1, 1, 0, a: [0], b: [0], c: &c)
        XCTAssertEqual(c, [0])
    }
}
