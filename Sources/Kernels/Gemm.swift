import CBLAS

/// Row-major single-precision matrix multiply through OpenBLAS:
/// `C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C`.
///
/// Leading dimensions default to the packed row length so callers only pass
/// them when they work on a column slice (e.g. one head's columns of a
/// `[rows, heads·d_head]` buffer).
@inline(__always)
public func sgemm(
    _ m: Int, _ n: Int, _ k: Int,
    a: UnsafePointer<Float>, lda: Int? = nil, transposeA: Bool = false,
    b: UnsafePointer<Float>, ldb: Int? = nil, transposeB: Bool = false,
    c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
    alpha: Float = 1, beta: Float = 0
) {
    if m == 0 || n == 0 { return }
    let lda = lda ?? (transposeA ? m : k)
    let ldb = ldb ?? (transposeB ? k : n)
    let ldc = ldc ?? n
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// `y[n] = alpha · xᵀ[k] · B[k×n] + beta · y` (row-major B), the M = 1 case of
/// `sgemm`, which OpenBLAS runs much faster as a gemv.
@inline(__always)
public func sgemvRow(
    n: Int, k: Int, x: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int? = nil,
    y: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0
) {
    cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha,
                b, Int32(ldb ?? n), x, 1, beta, y, 1)
}

/// Controls OpenBLAS's own thread pool. ACDC runs BLAS single-threaded and
/// parallelises outside; the forward benchmark compares both settings.
public enum BLASThreads {
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    public static var current: Int { Int(openblas_get_num_threads()) }
}

/// Reference triple loop used by tests as an oracle for `sgemm`.
public func referenceMatmul(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s: Double = 0
            for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
            c[i * n + j] = Float(s)
        }
    }
    return c
}

/// `y[n] = alpha · B[n×k] · x[k] + beta · y`: `sgemvRow` for a matrix stored
/// transposed (`[n, k]` row-major, e.g. a tied unembedding read from W_E).
@inline(__always)
public func sgemvColumns(
    n: Int, k: Int, x: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int? = nil,
    y: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0
) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha,
                b, Int32(ldb ?? k), x, 1, beta, y, 1)
}
