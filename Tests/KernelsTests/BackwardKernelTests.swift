import Kernels
import XCTest

/// The kernels' backward functions against central differences of their
/// forwards (in Double around float32 values: step 1e-3, tolerance 1e-3
/// relative to the largest derivative, plus 1e-4).
final class BackwardKernelTests: XCTestCase {
    func testActivationDerivatives() {
        let xs: [Float] = [-4, -1.5, -0.3, -0.01, 0.02, 0.4, 1.1, 3.7]
        for act in [Activation.geluNew, .geluPytorchTanh, .gelu, .relu, .silu] {
            var g = [Float](repeating: 1, count: xs.count)
            act.backward(pre: xs, grad: &g, count: xs.count)
            for (i, x) in xs.enumerated() {
                let h: Float = 1e-3
                var up = [x + h], down = [x - h]
                act.apply(&up, count: 1); act.apply(&down, count: 1)
                XCTAssertEqual(Double(g[i]), Double(up[0] - down[0]) / Double(2 * h), accuracy: 2e-3, "\(act) at \(x)")
            }
        }
    }

    func testNormBackwardsMatchDifferences() {
        let width = 12, rows = 2
        var rng = SystemRandomNumberGenerator()
        let x = (0..<(rows * width)).map { _ in Float.random(in: -2...2, using: &rng) }
        let w = (0..<width).map { _ in Float.random(in: 0.5...1.5, using: &rng) }
        let b = (0..<width).map { _ in Float.random(in: -0.5...0.5, using: &rng) }
        let dy = (0..<(rows * width)).map { _ in Float.random(in: -1...1, using: &rng) }
        // L(x) = Σ dy · norm(x): its gradient is the backward of dy.
        func loss(_ x: [Float], rms: Bool) -> Double {
            var y = [Float](repeating: 0, count: x.count)
            if rms { rmsNorm(x, rows: rows, width: width, weight: w, weightOffset: 0.5, eps: 1e-5, output: &y) }
            else { layerNorm(x, rows: rows, width: width, weight: w, bias: b, eps: 1e-5, output: &y) }
            return zip(y, dy).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        for rms in [false, true] {
            var dx = [Float](repeating: 0, count: x.count)
            if rms { rmsNormBackward(x, rows: rows, width: width, weight: w, weightOffset: 0.5, eps: 1e-5, dy: dy, dx: &dx) }
            else { layerNormBackward(x, rows: rows, width: width, weight: w, eps: 1e-5, dy: dy, dx: &dx) }
            let largest = Double(dx.map(abs).max()!)
            for i in x.indices {
                var up = x, down = x
                up[i] += 1e-3; down[i] -= 1e-3
                XCTAssertEqual(Double(dx[i]), (loss(up, rms: rms) - loss(down, rms: rms)) / 2e-3,
                               accuracy: 1e-3 * largest + 1e-4, "\(rms ? "rms" : "layer") norm, element \(i)")
            }
        }
    }

    func testSoftmaxBackward() {
        let s: [Float] = [0.3, -1.2, 2.0, 0.1]
        var p = s
        softmaxRows(&p, queries: 1, keys: 4, causal: false)
        let dp: [Float] = [0.5, -0.25, 1.0, 0.75]
        var ds = dp
        softmaxRowsBackward(p, &ds, queries: 1, keys: 4)
        for i in 0..<4 {
            var up = s, down = s
            up[i] += 1e-3; down[i] -= 1e-3
            softmaxRows(&up, queries: 1, keys: 4, causal: false); softmaxRows(&down, queries: 1, keys: 4, causal: false)
            let fd = zip(zip(up, down), dp).reduce(0.0) { $0 + Double($1.0.0 - $1.0.1) * Double($1.1) } / 2e-3
            XCTAssertEqual(Double(ds[i]), fd, accuracy: 1e-3)
        }
    }

    func testRotaryBackwardInvertsTheRotation() {
        let r = Rotary(dim: 4, inverseFrequencies: [1, 0.1])
        let t = r.tables(positions: 8)
        var v: [Float] = [0.3, -1, 2, 0.5, 7, 1, 0.2, -0.4]
        let original = v
        r.apply(&v, rows: 2, ld: 4, cos: t.cos, sin: t.sin) { $0 + 3 }
        XCTAssertNotEqual(v, original)
        r.applyBackward(&v, rows: 2, ld: 4, cos: t.cos, sin: t.sin) { $0 + 3 }
        for (a, b) in zip(v, original) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }
}
