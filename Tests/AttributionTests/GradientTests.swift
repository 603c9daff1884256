import ACDC
import Attribution
import Foundation
import Kernels
import TestSupport
import Transformer
import XCTest

/// The backward pass against PyTorch autograd (float64 reference,
/// `scripts/make_gradient_fixtures.py`): every receiver's gradient within
/// 1e-5 of the largest gradient of the case.
final class GradientTests: XCTestCase {
    func compare(case name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let exp = try Experiment.load(path: fixture("gradients/\(name)/experiment.json"))
        let model = try HookedTransformer.load(directory: exp.modelPath)
        let ref = try SafetensorsFile(path: fixture("gradients/\(name)/gradients.safetensors"))
        let c = model.config, B = exp.clean.rows, T = exp.clean.seqLen, d = c.dModel, H = c.nHeads
        for (loss, metricName, tokens) in [("logit_diff", "logit_diff", exp.clean), ("kl_corrupted", "kl_div", exp.corrupted)] {
            let (_, spec) = try exp.metric(named: metricName)
            let runner = try LossGradient(model: model, clean: exp.clean, spec: spec, metricName: metricName)
            let (value, g, _) = runner.run(tokens)
            let refValue = try ref.tensor("\(loss)/value", shape: [1])[0]
            XCTAssertEqual(value, Double(refValue), accuracy: 1e-5 * abs(Double(refValue)), "\(name) \(loss) value", file: file, line: line)
            // (ours, reference) per receiver, both as [B, T, (H,) d] in TL layout.
            var pairs: [(String, [Float], [Float])] = []
            func tl(_ key: String, _ shape: [Int]) throws -> [Float] { try ref.tensor("\(loss)/\(key)", shape: shape).array }
            pairs.append(("hook_embed", g.embed, try tl("hook_embed", [B, T, d])))
            pairs.append(("final", g.final, try tl("final", [B, T, d])))
            for l in 0..<c.nLayers {
                for kind in QKV.allCases {
                    var ours = [Float](repeating: 0, count: B * T * H * d)
                    for h in 0..<H { for r in 0..<(B * T) { for j in 0..<d {
                        ours[(r * H + h) * d + j] = g.qkvInput[l][g.headOffset(h, kind) + r * d + j]
                    } } }
                    let key = "blocks.\(l).hook_\(kind.letter)_input"
                    pairs.append((key, ours, try tl(key, [B, T, H, d])))
                }
                if c.hasMLP { pairs.append(("blocks.\(l).hook_mlp_in", g.mlpIn[l], try tl("blocks.\(l).hook_mlp_in", [B, T, d]))) }
            }
            let largest = pairs.map { $0.2.map(abs).max() ?? 0 }.max() ?? 0
            XCTAssertGreaterThan(largest, 0)
            var worst: Float = 0
            for (key, ours, theirs) in pairs {
                XCTAssertEqual(ours.count, theirs.count, key)
                let err = zip(ours, theirs).map { abs($0 - $1) }.max() ?? 0
                worst = max(worst, err / largest)
                XCTAssertLessThanOrEqual(err, 1e-5 * largest, "\(name) \(loss) \(key): max error \(err), largest gradient \(largest)",
                                         file: file, line: line)
            }
            print("gradient parity \(name) \(loss): max error / largest gradient = \(worst)")
        }
    }

    func testTinyGPT2MatchesTorch() throws { try compare(case: "tiny-gpt2") }
    func testAttentionOnlyMatchesTorch() throws { try compare(case: "attn-only") }
}
