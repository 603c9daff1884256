/// A named activation inside the forward pass, spelled as TransformerLens
/// spells it (`blocks.3.attn.hook_result`). Shapes follow TL:
/// `[B,T,d]` for residual-stream hooks, `[B,T,H,d]` for split head inputs and
/// results, `[B,T,H,d_head]` for q/k/v/z, `[B,H,T,T]` for scores and pattern.
public enum HookPoint: Hashable, Sendable, CustomStringConvertible {
    case embed, posEmbed
    case residPre(Int)
    case input(Int, QKV)          // blocks.L.hook_{q,k,v}_input
    case ln1Scale(Int), ln1Normalized(Int)
    case qkv(Int, QKV)            // blocks.L.attn.hook_{q,k,v}
    case attnScores(Int), pattern(Int), z(Int)
    case result(Int)              // blocks.L.attn.hook_result
    case attnOut(Int), residMid(Int), mlpIn(Int)
    case ln2Scale(Int), ln2Normalized(Int)
    case mlpPre(Int), mlpPost(Int), mlpOut(Int), residPost(Int)
    case lnFinalScale, lnFinalNormalized

    public var name: String {
        switch self {
        case .embed: return "hook_embed"
        case .posEmbed: return "hook_pos_embed"
        case .residPre(let l): return "blocks.\(l).hook_resid_pre"
        case .input(let l, let x): return "blocks.\(l).hook_\(x.letter)_input"
        case .ln1Scale(let l): return "blocks.\(l).ln1.hook_scale"
        case .ln1Normalized(let l): return "blocks.\(l).ln1.hook_normalized"
        case .qkv(let l, let x): return "blocks.\(l).attn.hook_\(x.letter)"
        case .attnScores(let l): return "blocks.\(l).attn.hook_attn_scores"
        case .pattern(let l): return "blocks.\(l).attn.hook_pattern"
        case .z(let l): return "blocks.\(l).attn.hook_z"
        case .result(let l): return "blocks.\(l).attn.hook_result"
        case .attnOut(let l): return "blocks.\(l).hook_attn_out"
        case .residMid(let l): return "blocks.\(l).hook_resid_mid"
        case .mlpIn(let l): return "blocks.\(l).hook_mlp_in"
        case .ln2Scale(let l): return "blocks.\(l).ln2.hook_scale"
        case .ln2Normalized(let l): return "blocks.\(l).ln2.hook_normalized"
        case .mlpPre(let l): return "blocks.\(l).mlp.hook_pre"
        case .mlpPost(let l): return "blocks.\(l).mlp.hook_post"
        case .mlpOut(let l): return "blocks.\(l).hook_mlp_out"
        case .residPost(let l): return "blocks.\(l).hook_resid_post"
        case .lnFinalScale: return "ln_final.hook_scale"
        case .lnFinalNormalized: return "ln_final.hook_normalized"
        }
    }

    public var description: String { name }

    /// Every hook of a model, in firing order.
    public static func all(for c: ModelConfig) -> [HookPoint] {
        var out: [HookPoint] = c.hasPositionTable ? [.embed, .posEmbed] : [.embed]
        let preNorm = c.normalization != nil && c.preNorms
        for l in 0..<c.nLayers {
            out += [.residPre(l), .input(l, .q), .input(l, .k), .input(l, .v)]
            if preNorm { out += [.ln1Scale(l), .ln1Normalized(l)] }
            out += [.qkv(l, .q), .qkv(l, .k), .qkv(l, .v), .attnScores(l), .pattern(l), .z(l), .result(l), .attnOut(l)]
            if c.hasMLP {
                if !c.parallelResidual { out.append(.residMid(l)) }
                out.append(.mlpIn(l))
                if preNorm { out += [.ln2Scale(l), .ln2Normalized(l)] }
                out += [.mlpPre(l), .mlpPost(l), .mlpOut(l)]
            }
            out.append(.residPost(l))
        }
        if c.normalization != nil { out += [.lnFinalScale, .lnFinalNormalized] }
        return out
    }

    /// Parses a TL hook name; nil for names this runtime does not have.
    public init?(name: String, config c: ModelConfig) {
        guard let h = HookPoint.all(for: c).first(where: { $0.name == name }) else { return nil }
        self = h
    }

    /// TL shape of this hook for a batch of `b` rows of length `t`.
    public func shape(_ c: ModelConfig, batch b: Int, seq t: Int) -> [Int] {
        switch self {
        case .embed, .posEmbed, .residPre, .attnOut, .residMid, .mlpIn, .mlpOut, .residPost,
             .ln2Normalized, .lnFinalNormalized:
            return [b, t, c.dModel]
        case .input, .ln1Normalized, .result: return [b, t, c.nHeads, c.dModel]
        case .ln1Scale: return [b, t, c.nHeads, 1]
        case .ln2Scale, .lnFinalScale: return [b, t, 1]
        case .qkv, .z: return [b, t, c.nHeads, c.dHead]
        case .attnScores, .pattern: return [b, c.nHeads, t, t]
        case .mlpPre, .mlpPost: return [b, t, c.dMLP ?? 0]
        }
    }
}

/// Sees (and may rewrite) hook values during `HookedTransformer.forward`.
/// The forward is generic over the visitor, so `NoHooks` costs nothing and a
/// visitor only pays for the hooks it asks for.
public protocol HookVisitor {
    /// Whether `visit` should be called for `hook`. The forward skips
    /// materialising optional tensors (split head inputs, LN hooks) nobody wants.
    func wants(_ hook: HookPoint) -> Bool
    /// Called in TransformerLens firing order with the hook's value in TL layout;
    /// writes to `value` replace the activation for the rest of the pass.
    mutating func visit(_ hook: HookPoint, shape: [Int], _ value: UnsafeMutableBufferPointer<Float>)
}

public struct NoHooks: HookVisitor {
    public init() {}
    @inline(__always) public func wants(_ hook: HookPoint) -> Bool { false }
    @inline(__always) public mutating func visit(_ hook: HookPoint, shape: [Int], _ value: UnsafeMutableBufferPointer<Float>) {}
}

/// Records a copy of every hook (or of the listed ones), like TL's `run_with_cache`.
public struct HookCache: HookVisitor {
    public var values: [HookPoint: [Float]] = [:]
    public var shapes: [HookPoint: [Int]] = [:]
    public let only: Set<HookPoint>?
    public init(only: Set<HookPoint>? = nil) { self.only = only }
    public func wants(_ hook: HookPoint) -> Bool { only?.contains(hook) ?? true }
    public mutating func visit(_ hook: HookPoint, shape: [Int], _ value: UnsafeMutableBufferPointer<Float>) {
        values[hook] = Array(value)
        shapes[hook] = shape
    }
}
