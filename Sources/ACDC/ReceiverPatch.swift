import Transformer

/// The reference's patching semantics as a hook visitor (ACDC.md §3.2–3.3),
/// applied on every receiver hook point (§3.7). This is the slow, literal
/// path: the test oracle for the incremental evaluator.
///
/// * ADDITION receivers get `x̃_R + Σ_{present s→R} (a_s − ã_s)`, with `a_s`
///   the sender's value earlier in this same pass.
/// * A removed DIRECT_COMPUTATION edge freezes that head's q/k/v to the corrupted value.
struct ReceiverPatch: HookVisitor {
    let graph: ComputationalGraph
    let present: [Bool]
    let corrupted: ActivationCache
    let config: ModelConfig
    var online: ActivationCache
    private let wanted: Set<HookPoint>

    init(graph: ComputationalGraph, present: [Bool], corrupted: ActivationCache, config: ModelConfig) {
        self.graph = graph; self.present = present; self.corrupted = corrupted; self.config = config
        self.online = ActivationCache(layers: config.nLayers)
        var w = ActivationCache.hooks(config)
        for l in 0..<config.nLayers { for x in QKV.allCases { w.insert(.input(l, x)) } }
        self.wanted = w
    }

    func wants(_ hook: HookPoint) -> Bool { wanted.contains(hook) }

    mutating func visit(_ hook: HookPoint, shape: [Int], _ v: UnsafeMutableBufferPointer<Float>) {
        let d = config.dModel, H = config.nHeads
        let rows = shape[0] * shape[1]
        switch hook {
        case .input(let l, let x):
            for h in 0..<H {
                let node = graph.nodeIndex[.input(l, head: h, x)]!
                patch(node, base: corrupted.residPre[l], baseOffset: 0, baseStride: d,
                      into: v.baseAddress! + h * d, stride: H * d, rows: rows)
            }
        case .qkv(let l, let x):
            let dh = config.dHead
            for h in 0..<H {
                let node = graph.nodeIndex[.qkv(l, head: h, x)]!
                let e = graph.parentGroups[node][0].edges[0]
                if !present[e] {
                    let src = corrupted.qkv[l][x.rawValue]
                    for r in 0..<rows { for i in 0..<dh { v[(r * H + h) * dh + i] = src[(r * H + h) * dh + i] } }
                }
            }
        case .mlpIn(let l):
            patch(graph.nodeIndex[.mlpIn(l)]!, base: corrupted.mlpIn[l], baseOffset: 0, baseStride: d,
                  into: v.baseAddress!, stride: d, rows: rows)
        case .residPost(let l) where l == config.nLayers - 1:
            patch(graph.nodeIndex[.output(layer: l)]!, base: corrupted.residPostLast, baseOffset: 0, baseStride: d,
                  into: v.baseAddress!, stride: d, rows: rows)
        default: break
        }
        online.record(hook, v, lastLayer: config.nLayers - 1)
    }

    /// `x = x̃ + Σ_present (a − ã)`, parents in stored order.
    private func patch(_ node: Int, base: [Float], baseOffset: Int, baseStride: Int,
                       into x: UnsafeMutablePointer<Float>, stride: Int, rows: Int) {
        let d = config.dModel, H = config.nHeads
        for r in 0..<rows { for i in 0..<d { x[r * stride + i] = base[baseOffset + r * baseStride + i] } }
        for g in graph.parentGroups[node] {
            for e in g.edges where present[e] {
                let s = graph.nodes[graph.edges[e].parent]
                let a = online.sender(s, dModel: d, heads: H)
                let c = corrupted.sender(s, dModel: d, heads: H)
                for r in 0..<rows {
                    let ao = a.offset + r * a.stride, co = c.offset + r * c.stride
                    // Two roundings, `x += a; x −= ã`, exactly as the reference does it.
                    for i in 0..<d { x[r * stride + i] += a.buffer[ao + i] }
                    for i in 0..<d { x[r * stride + i] -= c.buffer[co + i] }
                }
            }
        }
    }
}
