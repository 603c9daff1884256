import XCTest
import Transformer

/// The forward pass against TransformerLens 1.6.1's own numbers.
///
/// Tolerance 1e-5 absolute or relative (|a − b| ≤ 1e-5·max(1, |b|)): both sides
/// compute in float32, but with different summation orders (OpenBLAS vs MKL /
/// torch kernels, Double-accumulated LayerNorm here), so agreement is to a few
/// float32 ulps of the largest intermediate, not bit for bit. TL itself reports
/// 5.7e-6 between its logits with and without the ACDC hook flags.
final class ForwardParityTests: XCTestCase {
    let tolerance: Float = 1e-5

    func testTinyGPT2EveryHookAndLogitsMatchTransformerLens() throws {
        let model = try HookedTransformer.load(directory: FixturePaths.path("tiny-gpt2", "model"))
        let rows = Array(try ExperimentRows(caseName: "tiny-gpt2").clean.prefix(2))
        let batch = try TokenBatch(rows, origin: "tiny-gpt2 clean rows 0-1")
        try batch.validate(for: model.config, origin: "tiny-gpt2")

        let reference = try SafetensorsFile(path: FixturePaths.path("tiny-gpt2", "forward.safetensors"))
        let listed = (try fixtureJSON("tiny-gpt2", "forward.json")["tensors"] as! [String: [Int]])

        // The reference ran on the same tokens we feed.
        let refTokens = reference.rawBytes("tokens")!.bindMemory(to: Int64.self).map(Int.init)
        XCTAssertEqual(refTokens, rows.flatMap { $0 }, "forward.safetensors was made from the first two clean rows")

        var cache = HookCache()
        let logits = model.forward(batch, hooks: &cache)

        var worst: (name: String, d: Disagreement) = ("", Disagreement())
        var compared = 0
        for (name, shape) in listed.sorted(by: { $0.key < $1.key }) where name != "tokens" {
            XCTAssertEqual(reference.entries[name]?.shape, shape, "\(name): forward.json and forward.safetensors disagree")
            let want = try reference.tensor(name).array
            let got: [Float]
            if name == "logits" {
                XCTAssertEqual([batch.rows, batch.seqLen, model.config.dVocabOut], shape, "logits shape")
                got = logits
            } else {
                guard let hook = HookPoint(name: name, config: model.config) else {
                    XCTFail("\(name): reference hook has no HookPoint"); continue
                }
                guard let value = cache.values[hook] else { XCTFail("\(name): not recorded by the forward"); continue }
                XCTAssertEqual(cache.shapes[hook], shape, "\(name): shape")
                XCTAssertEqual(hook.shape(model.config, batch: batch.rows, seq: batch.seqLen), shape, "\(name): HookPoint.shape")
                got = value
            }
            guard got.count == want.count else { XCTFail("\(name): \(got.count) values, reference has \(want.count)"); continue }
            let d = Disagreement.worst(got, want)
            if d.ratio > worst.d.ratio || d.ratio.isNaN { worst = (name, d) }
            XCTAssert(d.ratio <= tolerance, "\(name): \(d)")
            compared += 1
        }
        // Every hook the runtime has for this config is in the reference, and vice versa.
        XCTAssertEqual(compared, HookPoint.all(for: model.config).count + 1, "hooks + logits compared")
        XCTAssertEqual(Set(cache.values.keys), Set(HookPoint.all(for: model.config)), "HookCache saw every hook")
        print("tiny-gpt2 parity: \(compared) tensors, worst \(worst.name): \(worst.d)")
    }

    /// The plain forward (fused head sum, shared LayerNorm) agrees with the
    /// fully hooked one, like TL with and without the ACDC flags.
    func testPlainForwardMatchesHookedForward() throws {
        let model = try HookedTransformer.load(directory: FixturePaths.path("tiny-gpt2", "model"))
        let batch = try TokenBatch(try ExperimentRows(caseName: "tiny-gpt2").clean, origin: "tiny-gpt2 clean")
        var cache = HookCache()
        let hooked = model.forward(batch, hooks: &cache)
        let plain = model.logits(batch)
        let d = Disagreement.worst(plain, hooked)
        XCTAssert(d.ratio <= tolerance, "plain vs hooked logits: \(d)")
    }

    func testTracrReverseLogits() throws { try checkTracr("tracr-reverse") }
    func testTracrProportionLogits() throws { try checkTracr("tracr-proportion") }

    /// tracr: `forward.json` holds `clean_logits` / `corrupted_logits` as
    /// [rows][positions][d_vocab_out] for the unpatched model on the experiment rows.
    func checkTracr(_ name: String) throws {
        let model = try HookedTransformer.load(directory: FixturePaths.path(name, "model"))
        let rows = try ExperimentRows(caseName: name)
        let ref = try fixtureJSON(name, "forward.json")
        for (which, tokens) in [("clean", rows.clean), ("corrupted", rows.corrupted)] {
            let want = (ref["\(which)_logits"] as! [[[Double]]])
            XCTAssertEqual(want.count, tokens.count, "\(name) \(which): row count")
            let batch = try TokenBatch(tokens, origin: "\(name) \(which)")
            try batch.validate(for: model.config, origin: name)
            let got = model.logits(batch)
            let flat = want.flatMap { $0.flatMap { $0.map(Float.init) } }
            XCTAssertEqual(got.count, flat.count, "\(name) \(which): logits count")
            let d = Disagreement.worst(got, flat)
            XCTAssert(d.ratio <= tolerance, "\(name) \(which) logits: \(d)")
            // Same through the hooked path (the one ACDC uses).
            var cache = HookCache()
            let hooked = model.forward(batch, hooks: &cache)
            let dh = Disagreement.worst(hooked, flat)
            XCTAssert(dh.ratio <= tolerance, "\(name) \(which) hooked logits: \(dh)")
            print("\(name) \(which) parity: worst \(max(d.ratio, dh.ratio))")
        }
    }
}
