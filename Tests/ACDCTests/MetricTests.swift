import XCTest
@testable import ACDC

/// Every metric against values computed by hand (ACDC.md §5), one row, one position.
final class MetricTests: XCTestCase {
    func value(_ spec: MetricSpec, baseline: [Float], logits: [Float], rows: Int = 1, seqLen: Int = 1) throws -> Double {
        let m = try Metric(spec: spec, rows: rows, seqLen: seqLen, vocab: baseline.count / rows, baseline: baseline, name: "test")
        return logits.withUnsafeBufferPointer { m.evaluate($0.baseAddress!) }
    }

    func testKLDivergence() throws {
        // p_base uniform over 3, p_model = (1/4, 1/2, 1/4):
        // KL = 1/3 (2 ln(4/3) + ln(2/3)) = 0.0566330...
        let kl = try value(.klDiv(.positions([0])), baseline: [0, 0, 0], logits: [0, Float(log(2.0)), 0])
        XCTAssertEqual(kl, (2 * log(4.0 / 3) + log(2.0 / 3)) / 3, accuracy: 1e-7)
        // 0 for the clean model itself.
        XCTAssertEqual(try value(.klDiv(.all), baseline: [1, 2, 3], logits: [1, 2, 3]), 0, accuracy: 1e-7)
    }

    func testLogitDifference() throws {
        // −(correct − wrong) = −(3 − 1)
        XCTAssertEqual(try value(.logitDiff(position: 0, correct: [0], wrong: [1]), baseline: [0, 0, 0], logits: [3, 1, 0]), -2)
    }

    func testL2() throws {
        // dims 0 and 2: differences 1 and −2 → mean of squares 2.5
        XCTAssertEqual(try value(.l2(positions: [0], dims: [0, 2]), baseline: [1, 0, 2], logits: [2, 5, 0]), 2.5)
    }

    func testGreaterThan() throws {
        // Uniform over 100 year tokens, start year 50: P(yy > 50) = 0.49, P(yy ≤ 50) = 0.51 → −(0.49 − 0.51)
        let spec = MetricSpec.greaterThan(position: 0, yearTokens: Array(0..<100), startYears: [50])
        let zeros = [Float](repeating: 0, count: 100)
        XCTAssertEqual(try value(spec, baseline: zeros, logits: zeros), 0.02, accuracy: 1e-6)
    }

    func testDocstring() throws {
        // −(logit[correct] − max wrong) = −(5 − 2)
        let spec = MetricSpec.docstring(position: 0, correct: [0], wrong: [[1, 3]])
        XCTAssertEqual(try value(spec, baseline: [0, 0, 0, 0], logits: [5, 2, 7, 1]), -3)
    }

    func testNLLAndMatchNLL() throws {
        // p_model(label 1) = 3/4 → nll = −ln 0.75; the clean model has p = 1/2.
        let logits: [Float] = [0, Float(log(3.0))]
        XCTAssertEqual(try value(.nll(.all, labels: [[1]]), baseline: [0, 0], logits: logits), -log(0.75), accuracy: 1e-6)
        XCTAssertEqual(try value(.matchNLL(.all, labels: [[1]]), baseline: [0, 0], logits: logits), -log(0.75) - log(2.0), accuracy: 1e-6)
    }

    func testBadSpecsAreRejected() {
        XCTAssertThrowsError(try value(.logitDiff(position: 3, correct: [0], wrong: [1]), baseline: [0, 0], logits: [0, 0]))
        XCTAssertThrowsError(try value(.logitDiff(position: 0, correct: [5], wrong: [1]), baseline: [0, 0], logits: [0, 0]))
        XCTAssertThrowsError(try value(.klDiv(.mask([[false]])), baseline: [0, 0], logits: [0, 0]))
    }
}
