import Transformer

/// The activations ACDC reads from one forward pass: every sender's output
/// and every receiver's input, by hook, in TransformerLens layout.
struct ActivationCache {
    var embed: [Float] = []          // hook_embed [B,T,d]
    var posEmbed: [Float] = []       // hook_pos_embed [B,T,d]
    var residPre: [[Float]]          // blocks.l.hook_resid_pre [B,T,d] (split inputs repeat it per head)
    var result: [[Float]]            // blocks.l.attn.hook_result [B,T,H,d]
    var qkv: [[[Float]]]             // blocks.l.attn.hook_{q,k,v} [B,T,H,d_head]
    var mlpIn: [[Float]]             // blocks.l.hook_mlp_in [B,T,d]
    var mlpOut: [[Float]]            // blocks.l.hook_mlp_out [B,T,d]
    var residPostLast: [Float] = []  // blocks.{L−1}.hook_resid_post [B,T,d]

    init(layers: Int) {
        residPre = Array(repeating: [], count: layers)
        result = Array(repeating: [], count: layers)
        qkv = Array(repeating: [[], [], []], count: layers)
        mlpIn = Array(repeating: [], count: layers)
        mlpOut = Array(repeating: [], count: layers)
    }

    /// The hooks this cache records.
    static func hooks(_ c: ModelConfig) -> Set<HookPoint> {
        var s: Set<HookPoint> = [.embed, .posEmbed, .residPost(c.nLayers - 1)]
        for l in 0..<c.nLayers {
            s.insert(.residPre(l)); s.insert(.result(l))
            for x in QKV.allCases { s.insert(.qkv(l, x)) }
            if c.hasMLP { s.insert(.mlpIn(l)); s.insert(.mlpOut(l)) }
        }
        return s
    }

    mutating func record(_ hook: HookPoint, _ v: UnsafeMutableBufferPointer<Float>, lastLayer: Int) {
        switch hook {
        case .embed: embed = Array(v)
        case .posEmbed: posEmbed = Array(v)
        case .residPre(let l): residPre[l] = Array(v)
        case .result(let l): result[l] = Array(v)
        case .qkv(let l, let x): qkv[l][x.rawValue] = Array(v)
        case .mlpIn(let l): mlpIn[l] = Array(v)
        case .mlpOut(let l): mlpOut[l] = Array(v)
        case .residPost(let l) where l == lastLayer: residPostLast = Array(v)
        default: break
        }
    }

    /// Whether every recorded value is finite (zero ablation's zeros included).
    var allFinite: Bool {
        let all = [embed, posEmbed, residPostLast] + residPre + result + mlpIn + mlpOut + qkv.flatMap { $0 }
        return all.allSatisfy(NonFiniteCheck.allFinite)
    }

    /// A sender node's output rows: buffer, offset of row 0, row stride.
    func sender(_ node: NodeKind, dModel d: Int, heads H: Int) -> (buffer: [Float], offset: Int, stride: Int) {
        switch node {
        case .tokenEmbed: return (embed, 0, d)
        case .posEmbed: return (posEmbed, 0, d)
        case .residPre: return (residPre[0], 0, d)
        case .result(let l, let h): return (result[l], h * d, H * d)
        case .mlpOut(let l): return (mlpOut[l], 0, d)
        default: preconditionFailure("\(node) is not a sender")
        }
    }
}

/// Runs the corrupted pass (§3.1, §3.5, §3.6): zero ablation zeroes every
/// sender's output as it is produced; positional scrambling replaces
/// `hook_pos_embed` by permuted rows; everything ACDC reads is recorded.
struct CorruptedPass: HookVisitor {
    let config: ModelConfig
    let zeroAblation: Bool
    let usePosEmbed: Bool
    let posPermutation: [Int]?
    let posTable: [Float] // W_pos, for scrambling
    var cache: ActivationCache
    private let wanted: Set<HookPoint>

    init(config: ModelConfig, zeroAblation: Bool, usePosEmbed: Bool, posPermutation: [Int]?, posTable: [Float]) {
        self.config = config; self.zeroAblation = zeroAblation; self.usePosEmbed = usePosEmbed
        self.posPermutation = posPermutation; self.posTable = posTable
        self.cache = ActivationCache(layers: config.nLayers)
        self.wanted = ActivationCache.hooks(config)
    }

    func wants(_ hook: HookPoint) -> Bool { wanted.contains(hook) }

    mutating func visit(_ hook: HookPoint, shape: [Int], _ v: UnsafeMutableBufferPointer<Float>) {
        switch hook {
        case .embed where zeroAblation && usePosEmbed,
             .posEmbed where zeroAblation && usePosEmbed,
             .residPre(0) where zeroAblation && !usePosEmbed,
             .result where zeroAblation,
             .mlpOut where zeroAblation:
            v.update(repeating: 0)
        case .posEmbed where !zeroAblation && usePosEmbed && posPermutation != nil:
            let d = config.dModel, T = shape[1]
            for b in 0..<shape[0] { for t in 0..<T {
                for i in 0..<d { v[(b * T + t) * d + i] = posTable[posPermutation![t] * d + i] }
            } }
        default: break
        }
        cache.record(hook, v, lastLayer: config.nLayers - 1)
    }
}
