import Transformer

/// NaN or Inf is a failure, not a result: a NaN weight, an Inf embedding or a
/// misread weights file would otherwise give "kept every edge, final metric
/// nan" and exit 0. The clean and corrupted baselines and the first metric are
/// checked before the search; a non-finite value stops the run with an error
/// naming the hook (and so the layer) where it first appears.
public enum NonFiniteCheck {
    /// Records the first hook, in firing order, whose value holds a NaN or an Inf.
    struct FirstNonFiniteHook: HookVisitor {
        var found: (hook: HookPoint, index: Int, value: Float)?
        func wants(_ hook: HookPoint) -> Bool { found == nil }
        mutating func visit(_ hook: HookPoint, shape: [Int], _ value: UnsafeMutableBufferPointer<Float>) {
            guard found == nil, let i = value.firstIndex(where: { !$0.isFinite }) else { return }
            found = (hook, i, value[i])
        }
    }

    /// Where a plain forward pass over `tokens` first produces a non-finite
    /// value: a hook, else the logits (the unembedding), else nil.
    public static func locate(model: HookedTransformer, tokens: TokenBatch) -> String? {
        var finder = FirstNonFiniteHook()
        let logits = model.forward(tokens, hooks: &finder)
        if let f = finder.found {
            return "hook \(f.hook.name) (\(layer(of: f.hook))) holds \(f.value)"
        }
        if let bad = logits.first(where: { !$0.isFinite }) {
            return "the logits hold \(bad) although every hook is finite (the unembedding, W_U/b_U)"
        }
        return nil
    }

    static func layer(of hook: HookPoint) -> String {
        let name = hook.name
        guard name.hasPrefix("blocks.") else { return name.hasPrefix("ln_final") ? "final LayerNorm" : "embedding" }
        return "layer " + (name.dropFirst("blocks.".count).split(separator: ".").first.map(String.init) ?? "?")
    }

    /// The error for a non-finite value found in `what` (a run over `tokens`).
    static func failure(_ what: String, origin: String, model: HookedTransformer, tokens: TokenBatch) -> ACDCError {
        let place = locate(model: model, tokens: tokens) ?? "no hook of a plain forward pass is non-finite"
        return ACDCError("\(origin): \(what) is not finite: \(place); refusing to run on NaN/Inf "
            + "(check the model's weights at \(model.origin))")
    }

    static func allFinite(_ values: [Float]) -> Bool { values.allSatisfy(\.isFinite) }
}
