import Foundation
import XCTest
import TestSupport
import Transformer

/// Locates `Tests/Fixtures` from this source file, so tests run from a fresh
/// clone (no dependency on /work/shared or the working directory).
enum FixturePaths {
    static let root = fixture("")

    static func path(_ parts: String...) -> String {
        parts.reduce(root) { ($0 as NSString).appendingPathComponent($1) }
    }
}

/// The parts of an `acdc-experiment/1` file the forward tests need.
struct ExperimentRows {
    let clean: [[Int]]
    let corrupted: [[Int]]

    init(caseName: String) throws {
        let url = URL(fileURLWithPath: FixturePaths.path(caseName, "experiment.json"))
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        clean = obj["clean"] as! [[Int]]
        corrupted = obj["corrupted"] as! [[Int]]
    }
}

/// Reads a JSON file of the fixtures as a dictionary.
func fixtureJSON(_ parts: String...) throws -> [String: Any] {
    let path = parts.reduce(FixturePaths.root) { ($0 as NSString).appendingPathComponent($1) }
    return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
}

/// Worst element-wise disagreement between two tensors under the parity rule
/// |a − b| ≤ tol·max(1, |b|) (absolute for small values, relative for large).
struct Disagreement: CustomStringConvertible {
    var ratio: Float = 0      // |a − b| / max(1, |b|); ≤ tol passes
    var absDiff: Float = 0
    var index = 0
    var got: Float = 0
    var want: Float = 0

    static func worst(_ got: [Float], _ want: [Float]) -> Disagreement {
        var w = Disagreement()
        for i in 0..<min(got.count, want.count) {
            let d = abs(got[i] - want[i])
            let r = d / max(1, abs(want[i]))
            if r > w.ratio || r.isNaN {
                w = Disagreement(ratio: r, absDiff: d, index: i, got: got[i], want: want[i])
                if r.isNaN { break }
            }
        }
        return w
    }

    var description: String { "|Δ| \(absDiff) (scaled \(ratio)) at flat index \(index): got \(got), want \(want)" }
}

/// Largest |ours − expected| over logits `[B·T·V]` against a nested `[B][T][V]`
/// list saved from PyTorch; asserts every expected row has V entries.
func maxLogitDifference(_ logits: [Float], expected: [[[Double]]], seqLen T: Int, vocab V: Int,
                        file: StaticString = #filePath, line: UInt = #line) -> Double {
    var worst: Double = 0
    for b in 0..<expected.count {
        for t in 0..<T {
            XCTAssertEqual(expected[b][t].count, V, file: file, line: line)
            for v in 0..<min(V, expected[b][t].count) {
                worst = max(worst, abs(Double(logits[(b * T + t) * V + v]) - expected[b][t][v]))
            }
        }
    }
    return worst
}
