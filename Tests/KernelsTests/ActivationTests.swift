import XCTest
import Kernels

/// Activations against their formulas evaluated in Double.
///
/// Tolerance: float32 tanh/erf are accurate to ~1 ulp, the polynomial inside
/// adds a few more; 2e-6·max(1, |x|) absolute is ~10 ulps of the result.
final class ActivationTests: XCTestCase {
    let inputs: [Float] = [-10, -5, -3, -1.5, -1, -0.5, -0.1, -1e-3, 0, 1e-3, 0.1, 0.5, 1, 1.5, 3, 5, 10]

    func geluNewDouble(_ x: Double) -> Double {
        0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    }

    func apply(_ act: Activation, _ xs: [Float]) -> [Float] {
        var y = xs
        y.withUnsafeMutableBufferPointer { act.apply($0.baseAddress!, count: $0.count) }
        return y
    }

    func testGeluNewScalarAndBulk() {
        let bulk = apply(.geluNew, inputs)
        for (i, x) in inputs.enumerated() {
            let want = Float(geluNewDouble(Double(x)))
            let tol = 2e-6 * max(1, abs(x))
            XCTAssertEqual(geluNew(x), want, accuracy: tol, "geluNew(\(x))")
            XCTAssertEqual(bulk[i], want, accuracy: tol, "Activation.geluNew on \(x)")
        }
        // Hand-checked anchors: gelu_new(1) = 0.8411919906, gelu_new(−1) = −0.1588080094.
        XCTAssertEqual(geluNew(1), 0.841_191_99, accuracy: 1e-6)
        XCTAssertEqual(geluNew(-1), -0.158_808_01, accuracy: 1e-6)
        XCTAssertEqual(geluNew(0), 0)
    }

    /// The bulk path must agree with the scalar one on a long buffer too
    /// (a vectorised implementation must not change results beyond rounding).
    func testGeluNewLongBuffer() {
        var rng = SeededRandom(seed: 70)
        let xs = rng.floats(3 * 1024 + 5, -8, 8)
        let y = apply(.geluNew, xs)
        for i in 0..<xs.count {
            XCTAssertEqual(y[i], Float(geluNewDouble(Double(xs[i]))), accuracy: 2e-6 * max(1, abs(xs[i])), "x = \(xs[i])")
        }
    }

    func testExactGelu() {
        let y = apply(.gelu, inputs)
        for (i, x) in inputs.enumerated() {
            let want = 0.5 * Double(x) * (1 + erf(Double(x) / 2.0.squareRoot()))
            XCTAssertEqual(y[i], Float(want), accuracy: 2e-6 * max(1, abs(x)), "gelu(\(x))")
        }
    }

    func testRelu() {
        let y = apply(.relu, inputs + [-0.0, .infinity, -.infinity])
        XCTAssertEqual(y, (inputs + [-0.0, .infinity, -.infinity]).map { max(0, $0) })
        XCTAssertEqual(apply(.relu, [-2, 3]), [0, 3])
    }

    func testActivationNames() {
        XCTAssertEqual(Activation(rawValue: "gelu_new"), .geluNew)
        XCTAssertEqual(Activation(rawValue: "relu"), .relu)
        XCTAssertEqual(Activation(rawValue: "silu"), .silu)
        XCTAssertEqual(Activation(rawValue: "gelu_pytorch_tanh"), .geluPytorchTanh)
        XCTAssertNil(Activation(rawValue: "swish"))
    }

    /// silu(x) = x·sigmoid(x), against the formula in Double.
    func testSilu() {
        let y = apply(.silu, inputs)
        for (x, v) in zip(inputs, y) {
            let want = Double(x) / (1 + exp(-Double(x)))
            XCTAssertEqual(v, Float(want), accuracy: 2e-6 * max(1, abs(x)), "silu(\(x))")
        }
    }

    /// gelu_pytorch_tanh is gelu_new's formula (Gemma's name for it).
    func testGeluPytorchTanhIsGeluNew() {
        XCTAssertEqual(apply(.geluPytorchTanh, inputs), apply(.geluNew, inputs))
    }
}

/// Extreme inputs of the vectorised gelu_new path stay finite and saturate correctly.
final class ActivationSaturationTests: XCTestCase {
    func testExtremeInputs() {
        var y: [Float] = [-1e30, -100, -20, 20, 100, 1e30, .leastNormalMagnitude, -.leastNormalMagnitude]
        let x = y
        y.withUnsafeMutableBufferPointer { Activation.geluNew.apply($0.baseAddress!, count: $0.count) }
        for (xi, yi) in zip(x, y) {
            XCTAssertTrue(yi.isFinite, "gelu_new(\(xi)) = \(yi)")
            if xi > 1 { XCTAssertEqual(yi, xi, "large positive x passes through") }
            if xi < -1 { XCTAssertLessThanOrEqual(abs(yi), 1e-6, "large negative x gives ~0") }
        }
    }
}
