import Dispatch
import Foundation
import Kernels
import Transformer

/// The fast evaluator (PERFORMANCE.md §1–3): keeps every unit's value for a
/// committed graph state and, for a new edge mask, recomputes only the live
/// units a changed edge can reach through present edges.
///
/// Receivers: `x = float(double(x̃) + S)`, `S = Σ_present (double(a) − double(ã))`
/// summed in canonical order (ascending topological order of the senders,
/// i.e. the reverse of the stored parent order). Summing in double makes the
/// value essentially the exact sum, so it matches the reference's float
/// arithmetic to float rounding. Canonical sums of parent lists that are a
/// prefix of the global sender order are memoised (`prefixCache`), which
/// makes the full-graph evaluation cost one addition per sender, not per edge.
///
/// Purity (what makes a resumed run identical to an uninterrupted one): at
/// every step boundary (`stepFinished`) the state is *canonical*: exactly
/// what a fresh evaluator computes for that mask. Inside a step, testing an
/// edge into the step's receiver R reuses R's running sum (`S' = S − d_e`,
/// O(rows·d) instead of O(parents·rows·d)); that is path-dependent, but it is
/// a deterministic function of the step's starting state and the sequence
/// of masks, and `stepFinished` recomputes R canonically (and everything
/// downstream of it when its value differs in any bit).
public final class IncrementalEvaluator: GraphEvaluator {
    public let setup: EvaluationSetup

    private let g: ComputationalGraph
    private let m: HookedTransformer
    private let B: Int, T: Int, BT: Int, d: Int, H: Int, dh: Int, L: Int
    private let metricRows: [Int]          // rows (b·T + p) the metric reads, in [b][p] order

    /// Units in topological order.
    private enum Unit { case head(Int, Int), mlp(Int), output }
    private let units: [Unit]
    /// Per unit: the node whose liveness is the unit's (result, mlp_out, output).
    private var unitNode: [Int] = []
    /// Per head unit: q/k/v input receiver nodes, q/k/v nodes, their DIRECT_COMPUTATION edges, result node.
    private struct HeadNodes { let input: [Int]; let qkv: [Int]; let dc: [Int]; let result: Int }
    private var headNodes: [HeadNodes?] = []
    /// Rows a unit computes (PERFORMANCE.md §3): all rows only if a live
    /// key/value input downstream needs them, else the metric rows alone.
    /// A function of the mask (`needAll`), so results stay a function of the mask;
    /// a unit whose row set changes is recomputed.
    private var needAllTrial: [Bool] = []
    /// Per sender node: whether its stored value (committed / this trial's) holds only the metric rows.
    private var compactCommitted: [Bool] = []
    private var compactTrial: [Bool] = []
    private var isKeyValueInput: [Bool] = []
    private let allRows: [Int]

    /// A receiver (ADDITION child): its parent edges and sender nodes in
    /// canonical order, x̃ on all rows and on the metric rows (nil where that
    /// layout never occurs), and the node whose row need decides its layout
    /// (−1: always all rows, keys and values; −2: always packed, the output).
    private struct Receiver {
        let node: Int
        let edges: [Int]
        let parents: [Int]
        let fullBase: FloatBuffer?
        let packedBase: FloatBuffer?
        let modeNode: Int
    }
    private var receivers: [Receiver] = []
    private var receiverOf: [Int] = []      // node → receiver index or −1
    private var senderOrder: [Int] = []     // canonical (ascending topological) order of all senders
    private var senderPosition: [Int] = []  // node → position in senderOrder, −1 for non-senders
    private var children: [[(edge: Int, child: Int, placeholder: Bool)]] = []
    private var outputNode = 0

    // Fixed inputs.
    private var cleanSender: [Int: FloatBuffer] = [:]     // embedding senders: clean value
    private var corruptSender: [Int: FloatBuffer] = [:]   // every sender: corrupted value (all rows)
    private let corruptQKV: [[[FloatBuffer]]]             // [l][h][x]

    // Committed state and trial scratch, per unit (empty until first needed). Heads: q, k, v, result.
    private var committed: [[FloatBuffer]]
    private var scratch: [[FloatBuffer]]
    private var sparePool: [Int: [[FloatBuffer]]] = [:]   // released scratch buffers by shape key
    private var committedMask: [Bool] = []
    private var committedMetric = 0.0
    private var liveCommitted: [Bool]
    private struct Trial { let mask: [Bool]; let recomputed: [Int]; let metric: Double; let live: [Bool]
                           let hotReceiver: Int; let canonicalReceivers: [Int] }
    private var lastTrial: Trial?

    // Per-trial bookkeeping.
    private var senderChanged: [Bool]
    private var directDirty: [Bool]
    private var liveTrial: [Bool]

    /// When each sender's current value was produced (a logical clock); a
    /// memoised sum is valid while every sender in it is older than the sum.
    private var clock = 1
    private var committedStamp: [Int]
    private var trialStamp: [Int]

    /// Memoised canonical sums of the first `length` senders of `senderOrder`,
    /// on all rows or (packed) on the metric rows.
    private struct PrefixSum { let packed: Bool; let length: Int; let stamp: Int; var provisional: Bool; let sum: DoubleBuffer }
    private var prefixCache: [PrefixSum] = []
    /// Per receiver: the partial sum of its first `senders.count` present
    /// senders (committed values, unchanged since `stamp`), within a memory budget.
    private struct ReceiverPrefix { var senders: [Int]; var packed: Bool; var stamp: Int; let sum: DoubleBuffer }
    private var receiverPrefix: [Int: ReceiverPrefix] = [:]
    private var receiverPrefixBytes = 0
    private let receiverPrefixBudget = 256 << 20
    /// Smaller sums are re-added rather than memoised (the bookkeeping costs
    /// more); tests set 0 to exercise the memo on the small fixture models.
    var receiverPrefixMinCount = 32768
    private let maxPrefixSums = 40

    /// The step's receiver: its running sum for the committed state.
    private var hotReceiver = -1
    private var hotEdges: [Bool] = []       // which of its parent edges the sum holds
    private var hotStamp = 0
    private var hotPacked = false
    private var hotSum: DoubleBuffer
    private var trialSum: DoubleBuffer      // the last trial's sum for the hot receiver
    private var trialHotX: FloatBuffer      // ... and its value
    /// Receivers whose committed unit was computed from a running (non-canonical) sum, with that value.
    private var nonCanonical: [Int: FloatBuffer] = [:]
    private var spareX: [FloatBuffer] = []
    /// Where evaluation time goes (wall seconds per phase), for benchmarks.
    public private(set) var profile = Profile()
    /// Testing aid: added to every running sum, so that values computed
    /// inside a step differ from canonical ones in many bits. The resume
    /// tests set it to prove that step boundaries are canonical (with 0, a
    /// running sum in double rarely rounds differently from the canonical one).
    var runningSumBias = 0.0

    /// This trial's last canonical receiver value per layout ([0] metric rows,
    /// [1] all rows). The canonical value is a function of the base x̃ and the
    /// list of present senders alone, so receivers that agree on both share it
    /// bit for bit: typically the q/k/v inputs of all heads of a layer, whose
    /// edge sets ACDC tends to prune alike. Valid while none of its senders
    /// changed after it was computed; cleared at every trial's start (a
    /// discarded trial's sender values must not leak into the next).
    private struct ValueMemo {
        var base: ObjectIdentifier?
        var senders: [Int] = []
        var stamp = 0
        var generation = 0
        let buffer: FloatBuffer
    }
    private var valueMemo: [ValueMemo]
    private var memoGeneration = 0
    /// The layer-normalised head input of a memoised value, per layout: LN₁
    /// is shared by every head and by q, k and v (shortformer models add
    /// positions to q and k only, so there v is kept apart).
    private struct NormMemo { var generation = -1; var layer = -1; var kindClass = -1; let buffer: FloatBuffer }
    private var normMemo: [NormMemo]

    // Work buffers.
    private let attentionRules: [AttentionRule]
    /// Layers with a post-attention norm, their result nodes, and the last of
    /// them in the liveness order (where the layer's heads are coupled).
    private let postNormLayer: [Bool]
    private var layerResultNodes: [[Int]] = []
    private var lastResultOfPostNormLayer: [Int: Int] = [:]
    private let shareBuf: FloatBuffer
    private let needsPositions: Bool
    private let xBuf: FloatBuffer, normBuf: FloatBuffer, hiddenBuf: FloatBuffer, patternBuf: FloatBuffer
    private let zBuf: FloatBuffer, outNorm: FloatBuffer, logitsBuf: FloatBuffer
    private let sumBuf: DoubleBuffer

    public init(setup: EvaluationSetup) {
        self.setup = setup
        g = setup.graph; m = setup.model
        let c = m.config
        B = setup.clean.rows; T = setup.clean.seqLen; BT = B * T
        d = c.dModel; H = c.nHeads; dh = c.dHead; L = c.nLayers
        var rows: [Int] = []
        for b in 0..<B { for p in setup.metric.positions { rows.append(b * T + p) } }
        metricRows = rows
        allRows = Array(0..<(B * T))

        var us: [Unit] = []
        for l in 0..<L {
            for h in 0..<H { us.append(.head(l, h)) }
            if c.hasMLP { us.append(.mlp(l)) }
        }
        us.append(.output)
        units = us

        let cc = setup.corrupted
        let (BT, d, H, dh, L) = (self.BT, self.d, self.H, self.dh, self.L)
        func contiguousHead(_ src: [Float], head h: Int, width w: Int) -> FloatBuffer {
            let out = FloatBuffer(BT * w)
            for r in 0..<BT { for i in 0..<w { out.pointer[r * w + i] = src[(r * H + h) * w + i] } }
            return out
        }
        func packed(_ v: [Float]) -> FloatBuffer { FloatBuffer(copying: rows.flatMap { r in v[(r * d)..<((r + 1) * d)] }) }
        corruptQKV = (0..<L).map { l in (0..<H).map { h in (0..<3).map { x in contiguousHead(cc.qkv[l][x], head: h, width: dh) } } }

        for (n, kind) in g.nodes.enumerated() {
            switch kind {
            case .result(let l, let h): corruptSender[n] = contiguousHead(cc.result[l], head: h, width: d)
            case .mlpOut(let l): corruptSender[n] = FloatBuffer(copying: cc.mlpOut[l])
            case .residPre, .tokenEmbed, .posEmbed: corruptSender[n] = FloatBuffer(copying: cc.sender(kind, dModel: d, heads: H).buffer)
            default: break
            }
        }
        // Clean embedding senders do not depend on the graph.
        let clean = setup.clean
        for (n, kind) in g.nodes.enumerated() where kind.isEmbedding {
            let buf = FloatBuffer(BT * d)
            switch kind {
            case .tokenEmbed: m.embedTokens(clean, into: buf.pointer)
            case .posEmbed: m.positionalEmbedding(rows: B, seqLen: T, into: buf.pointer)
            default: m.embedding(clean, into: buf.pointer)   // blocks.0.hook_resid_pre, as `forward` builds it
            }
            cleanSender[n] = buf
        }

        let g = self.g
        var hn: [HeadNodes?] = []
        var un: [Int] = []
        for u in us {
            switch u {
            case .head(let l, let h):
                hn.append(HeadNodes(input: QKV.allCases.map { g.nodeIndex[.input(l, head: h, $0)]! },
                                    qkv: QKV.allCases.map { g.nodeIndex[.qkv(l, head: h, $0)]! },
                                    dc: QKV.allCases.map { g.parentGroups[g.nodeIndex[.qkv(l, head: h, $0)]!][0].edges[0] },
                                    result: g.nodeIndex[.result(l, head: h)]!))
                un.append(g.nodeIndex[.result(l, head: h)]!)
            case .mlp(let l):
                hn.append(nil)
                un.append(g.nodeIndex[.mlpOut(l)]!)
            case .output:
                hn.append(nil)
                un.append(g.nodeIndex[.output(layer: L - 1)]!)
            }
        }
        headNodes = hn; unitNode = un

        // Canonical sender order: the output's parents (every sender) reversed.
        let outNode = g.nodeIndex[.output(layer: L - 1)]!
        let order = g.parentGroups[outNode].flatMap { $0.edges }.reversed().map { g.edges[$0].parent }
        var position = Array(repeating: -1, count: g.nodes.count)
        for (i, s) in order.enumerated() { position[s] = i }

        var recvOf = Array(repeating: -1, count: g.nodes.count)
        var recvs: [Receiver] = []
        let residPreBases = cc.residPre.map { FloatBuffer(copying: $0) }
        let residPrePacked = cc.residPre.map { packed($0) }
        var kv = Array(repeating: false, count: g.nodes.count)
        for (n, kind) in g.nodes.enumerated() where kind.incomingType == .addition {
            var full: FloatBuffer?, pack: FloatBuffer?, mode: Int
            switch kind {
            case .input(let l, let h, let x):
                full = residPreBases[l]
                if x == .q { pack = residPrePacked[l]; mode = g.nodeIndex[.result(l, head: h)]! } else { mode = -1; kv[n] = true }
            case .mlpIn(let l):
                full = FloatBuffer(copying: cc.mlpIn[l]); pack = packed(cc.mlpIn[l]); mode = g.nodeIndex[.mlpOut(l)]!
            case .output:
                pack = packed(cc.residPostLast); mode = -2
            default: preconditionFailure("\(kind) is not a receiver")
            }
            let edges = g.parentGroups[n].flatMap { $0.edges }
                .sorted { position[g.edges[$0].parent] < position[g.edges[$1].parent] }
            recvOf[n] = recvs.count
            recvs.append(Receiver(node: n, edges: edges, parents: edges.map { g.edges[$0].parent },
                                  fullBase: full, packedBase: pack, modeNode: mode))
        }
        isKeyValueInput = kv
        outputNode = outNode; senderOrder = order; senderPosition = position
        receiverOf = recvOf; receivers = recvs
        children = g.children.map { es in es.map { (edge: $0, child: g.edges[$0].child, placeholder: g.edges[$0].type == .placeholder) } }

        committed = Array(repeating: [], count: us.count)
        scratch = Array(repeating: [], count: us.count)
        senderChanged = Array(repeating: false, count: g.nodes.count)
        directDirty = Array(repeating: false, count: g.nodes.count)
        liveTrial = Array(repeating: false, count: g.nodes.count)
        liveCommitted = Array(repeating: false, count: g.nodes.count)
        needAllTrial = Array(repeating: false, count: g.nodes.count)
        compactCommitted = Array(repeating: false, count: g.nodes.count)
        compactTrial = Array(repeating: false, count: g.nodes.count)
        committedStamp = Array(repeating: 0, count: g.nodes.count)
        trialStamp = Array(repeating: 0, count: g.nodes.count)
        hotSum = DoubleBuffer(BT * d); trialSum = DoubleBuffer(BT * d); sumBuf = DoubleBuffer(BT * d)
        trialHotX = FloatBuffer(BT * d)
        attentionRules = (0..<c.nLayers).map { c.attentionRule(layer: $0) }
        let model = m, graph = g
        let postNorm = (0..<c.nLayers).map { model.hasNorm(.postAttention($0)) }
        postNormLayer = postNorm
        shareBuf = FloatBuffer(postNorm.contains(true) ? BT * H * d : 1)
        let resultNodes = (0..<c.nLayers).map { l in (0..<c.nHeads).map { graph.nodeIndex[.result(l, head: $0)]! } }
        layerResultNodes = resultNodes
        for l in 0..<c.nLayers where postNorm[l] {
            let set = Set(resultNodes[l])
            if let last = graph.order.last(where: { set.contains($0) }) { lastResultOfPostNormLayer[last] = l }
        }
        needsPositions = c.rotary != nil || c.positionalEmbedding == .shortformer
        xBuf = FloatBuffer(BT * d); normBuf = FloatBuffer(BT * d); hiddenBuf = FloatBuffer(BT * (c.dMLP ?? 1))
        valueMemo = [ValueMemo(buffer: FloatBuffer(rows.count * d)), ValueMemo(buffer: FloatBuffer(BT * d))]
        normMemo = [NormMemo(buffer: FloatBuffer(rows.count * d)), NormMemo(buffer: FloatBuffer(BT * d))]
        patternBuf = FloatBuffer(T); zBuf = FloatBuffer(BT * dh)
        outNorm = FloatBuffer(rows.count * d)
        logitsBuf = FloatBuffer(rows.count * c.dVocabOut)
    }

    // MARK: protocol

    public func evaluate(_ mask: [Bool]) -> Double {
        if committedMask.isEmpty {
            let metric = trial(mask, canonical: true)
            promote()
            return metric
        }
        if mask == committedMask { return committedMetric }
        if let t = lastTrial {
            if t.mask == mask { return t.metric }
            promoteIfCloser(mask)
            if mask == committedMask { return committedMetric }
        }
        return trial(mask, canonical: false)
    }

    // MARK: speculation along the removal chain (used by ACDCRun's two-core search)

    /// Big units' row halves (and a large unembedding's column halves) run
    /// on both cores; when two evaluators search side by side each keeps to
    /// its own core and runs the same halves one after the other, so the
    /// arithmetic, and every bit of the result, is the same either way.
    var splitsAcrossCores = true

    /// Metric of `mask`, which must be the committed mask minus some of the
    /// step's edges, with no trial pending (the last one accepted or
    /// rejected), and whether the step's receiver took its running sum
    /// (`hot`) or was summed canonically (an upstream sender changed).
    ///
    /// The sequential search reaches `mask` by one trial per removal; its
    /// running sum is rebuilt canonically after each accepted trial that was
    /// not hot, and otherwise subtracts one removal per trial. Here the
    /// removals between the committed state and `mask` are subtracted one
    /// after another in `chain` (test) order, so the value is the
    /// sequential search's bit for bit provided the committed state is one
    /// the sequential search passed through and every removal before the
    /// last was, in the sequential search, a hot trial. (Then whether this
    /// trial is hot is also what it is sequentially: an upstream sender that
    /// changes for the last removal changes here too, and one that would
    /// have changed earlier would have made an earlier trial not hot.) The
    /// caller checks that condition (ACDCRun's two-core step).
    func chainTrial(_ mask: [Bool], chain: [Int]) -> (metric: Double, hot: Bool) {
        precondition(!committedMask.isEmpty && lastTrial == nil, "chainTrial needs a committed state and no pending trial")
        if mask == committedMask { return (committedMetric, true) }
        let metric = trial(mask, canonical: false, chain: chain)
        return (metric, lastTrial.map { $0.hotReceiver >= 0 } ?? false)
    }

    /// The last trial's state becomes the committed one (its edge was removed).
    func acceptTrial() { promote() }

    /// The last trial is dropped (its edge stays, or a speculation failed).
    func rejectTrial() { discardTrial() }

    /// Makes the state canonical for `mask`: what a fresh evaluator holds
    /// after evaluating it. Recomputes, canonically, the receivers evaluated
    /// from running sums during the step (only if their value differs in some
    /// bit) and everything reachable from them and from edges that changed.
    public func stepFinished(_ mask: [Bool]) {
        if committedMask.isEmpty { _ = evaluate(mask); return }
        promoteIfCloser(mask)
        hotReceiver = -1
        if mask == committedMask && nonCanonical.isEmpty { discardTrial(); return }
        var t0 = Profile.now()
        _ = trial(mask, canonical: true)
        promote()
        profile.add(\.canonicalize, &t0)
        profile.canonicalTrials += 1
    }

    private func promoteIfCloser(_ mask: [Bool]) {
        guard let t = lastTrial else { return }
        if distance(mask, t.mask) < distance(mask, committedMask) { promote() } else { discardTrial() }
    }

    private func discardTrial() {
        if let t = lastTrial { releaseScratch(t.recomputed) }
        lastTrial = nil
    }

    /// Scratch buffers are allocated on first use and recycled by shape, so
    /// memory is the committed state plus what one trial recomputes.
    private func shapeKey(_ u: Int) -> Int {
        switch units[u] {
        case .head(let l, _): return postNormLayer[l] ? 3 : 1
        case .mlp: return 2
        case .output: return 0
        }
    }

    private func releaseScratch(_ us: [Int]) {
        for u in us where !scratch[u].isEmpty {
            sparePool[shapeKey(u), default: []].append(scratch[u])
            scratch[u] = []
        }
    }

    private func scratchBuffers(_ u: Int) -> [FloatBuffer] {
        if scratch[u].isEmpty {
            if let b = sparePool[shapeKey(u)]?.popLast() {
                scratch[u] = b
            } else {
                switch units[u] {
                case .head(let l, _):
                    scratch[u] = [FloatBuffer(BT * dh), FloatBuffer(BT * dh), FloatBuffer(BT * dh), FloatBuffer(BT * d)]
                    if postNormLayer[l] { scratch[u].append(FloatBuffer(BT * d)) }   // raw output before the shared norm
                case .mlp: scratch[u] = [FloatBuffer(BT * d)]
                case .output: break
                }
            }
        }
        return scratch[u]
    }

    private func distance(_ a: [Bool], _ b: [Bool]) -> Int {
        var n = 0
        for i in a.indices where a[i] != b[i] { n += 1 }
        return n
    }

    /// Makes the last trial the committed state (its recomputed units swap in).
    private func promote() {
        guard let t = lastTrial else { return }
        for u in t.recomputed {
            swap(&committed[u], &scratch[u])
            if case .output = units[u] { continue }
            let s = unitNode[u]
            committedStamp[s] = trialStamp[s]
            compactCommitted[s] = compactTrial[s]
        }
        releaseScratch(t.recomputed)
        for i in prefixCache.indices { prefixCache[i].provisional = false }
        for r in t.canonicalReceivers { if let x = nonCanonical.removeValue(forKey: r) { spareX.append(x) } }
        if t.hotReceiver >= 0 {
            let r = t.hotReceiver
            swap(&hotSum, &trialSum)
            for (k, e) in receivers[r].edges.enumerated() { hotEdges[k] = t.mask[e] }
            clock += 1; hotStamp = clock
            let keep = nonCanonical[r] ?? spareX.popLast() ?? FloatBuffer(BT * d)
            nonCanonical[r] = trialHotX
            trialHotX = keep
        } else if hotReceiver >= 0 && !hotStillValid(t.mask) {
            hotReceiver = -1
        }
        committedMask = t.mask
        committedMetric = t.metric
        liveCommitted = t.live
        lastTrial = nil
    }

    /// The hot sum stays valid while its receiver's edges and parents are unchanged.
    private func hotStillValid(_ mask: [Bool]) -> Bool {
        let rc = receivers[hotReceiver]
        if committedPacked(hotReceiver) != hotPacked { return false }
        for (k, e) in rc.edges.enumerated() where mask[e] != hotEdges[k] { return false }
        for s in rc.parents where committedStamp[s] >= hotStamp { return false }
        return true
    }

    // MARK: trial

    /// Recomputes, into scratch buffers, the live units reachable from the
    /// edges where `mask` differs from the committed mask (every live unit
    /// the first time). `canonical`: no running sums, and receivers computed
    /// from running sums are checked against their canonical value.
    private func trial(_ mask: [Bool], canonical: Bool, chain: [Int]? = nil) -> Double {
        let fresh = committedMask.isEmpty
        prefixCache.removeAll { $0.provisional }   // sums from a discarded trial
        for i in valueMemo.indices { valueMemo[i].base = nil }
        discardTrial()
        for i in senderChanged.indices { senderChanged[i] = false; directDirty[i] = false }
        if !fresh {
            for e in mask.indices where mask[e] != committedMask[e] { directDirty[g.edges[e].child] = true }
        }
        computeLiveness(mask)
        var ctx = TrialContext(canonical: canonical)
        ctx.chain = chain
        var metric = committedMetric
        var pendingLayer = -1, layerDirty = false
        for (u, unit) in units.enumerated() {
            if pendingLayer >= 0 {
                if case .head(let l, _) = unit, l == pendingLayer {} else {
                    if layerDirty { finishPostNormLayer(pendingLayer, &ctx) }
                    pendingLayer = -1; layerDirty = false
                }
            }
            if case .head(let l, _) = unit, postNormLayer[l] { pendingLayer = l }
            let sNode = unitNode[u]
            guard liveTrial[sNode] else { continue }
            // Recompute everything when the unit was not computed for the committed
            // state, or its row set changed.
            let newlyLive = fresh || !liveCommitted[sNode] || (sNode != outputNode && compactCommitted[sNode] == needAllTrial[sNode])
            let rows = needAllTrial[sNode] ? allRows : metricRows
            switch unit {
            case .head(let l, let h):
                let nodes = headNodes[u]!
                var changed = false
                var recomputed = [false, false, false]
                for x in QKV.allCases {
                    let i = x.rawValue
                    let dc = nodes.dc[i]
                    let n = x == .q ? rows.count : BT     // queries live on the unit's rows; keys and values on all rows
                    let out = scratchBuffers(u)[i].pointer
                    if mask[dc] {
                        var t0 = Profile.now()
                        guard let input = receiverValue(receiverOf[nodes.input[i]], mask,
                                                         force: newlyLive || directDirty[nodes.qkv[i]], &ctx) else { continue }
                        profile.add(\.receivers, &t0)
                        defer { profile.add(\.heads, &t0) }
                        let positions = x == .q && rows.count != BT ? rows.map { $0 % T } : nil
                        let (norm, normalized) = normalizedInputSlot(for: input, layer: l, kind: x)
                        profile.flops += 2 * Double(n * d * dh)
                        forEachRowPart(n) { part in
                            // Row positions matter for shortformer inputs and rotary q/k only.
                            let partPositions = needsPositions ? positions.map { Array($0[part]) } ?? part.map { $0 % T } : nil
                            if !normalized {
                                m.normalizeHeadInput(layer: l, kind: x, input + part.lowerBound * d, rows: part.count, stride: d, seqLen: T,
                                                     out: norm + part.lowerBound * d, positions: partPositions)
                            }
                            m.projectHead(layer: l, head: h, kind: x, normalized: norm + part.lowerBound * d, rows: part.count,
                                          seqLen: T, positions: partPositions, out: out + part.lowerBound * dh, ldOut: dh)
                        }
                    } else {
                        guard newlyLive || directDirty[nodes.qkv[i]] else { continue }
                        let frozen = corruptQKV[l][h][i].pointer
                        if n == BT {
                            out.update(from: frozen, count: n * dh)
                        } else {
                            for (j, r) in rows.enumerated() { (out + j * dh).update(from: frozen + r * dh, count: dh) }
                        }
                    }
                    changed = true; recomputed[i] = true
                }
                guard changed else { continue }
                // Unchanged inputs of a changed head come from the committed state.
                for i in 0..<3 where !recomputed[i] {
                    scratch[u][i].pointer.update(from: committed[u][i].pointer, count: (i == 0 ? rows.count : BT) * dh)
                }
                var t0 = Profile.now()
                defer { profile.add(\.heads, &t0); profile.headUnits += 1 }
                let sc = scratch[u]
                attendRows(q: sc[0].pointer, k: sc[1].pointer, v: sc[2].pointer, queryRows: rows, seqLen: T, dHead: dh,
                           rule: attentionRules[l], z: zBuf.pointer, scores: patternBuf.pointer)
                // Post-norm layers keep the raw output apart; their shares follow in finishPostNormLayer.
                var keys = 0
                for r in rows { keys += r % T + 1 }
                profile.flops += 4 * Double(keys * dh) + 2 * Double(rows.count * dh * d)
                let z = zBuf.pointer, result = sc[postNormLayer[l] ? 4 : 3].pointer
                forEachRowPart(rows.count) { part in
                    m.headResult(layer: l, head: h, z: z + part.lowerBound * dh, ldz: dh, rows: part.count,
                                 out: result + part.lowerBound * d, ldOut: d)
                }
                markChanged(u, &ctx)
                if postNormLayer[l] { layerDirty = true }
            case .mlp(let l):
                let rNode = g.nodeIndex[.mlpIn(l)]!
                var t0 = Profile.now()
                guard let input = receiverValue(receiverOf[rNode], mask, force: newlyLive, &ctx) else { continue }
                profile.add(\.receivers, &t0)
                defer { profile.add(\.mlps, &t0); profile.mlpUnits += 1 }
                let out = scratchBuffers(u)[0].pointer, norm = normBuf.pointer, hidden = hiddenBuf.pointer, dMLP = m.config.dMLP!
                profile.flops += Double(m.config.gatedMLP ? 6 : 4) * Double(rows.count * d * dMLP)
                forEachRowPart(rows.count) { part in
                    let r0 = part.lowerBound
                    m.mlp(layer: l, input + r0 * d, rows: part.count, out: out + r0 * d, normalized: norm + r0 * d,
                          hidden: hidden + r0 * dMLP)
                }
                _ = l
                markChanged(u, &ctx)
            case .output:
                let rNode = g.nodeIndex[.output(layer: L - 1)]!
                var t0 = Profile.now()
                guard let input = receiverValue(receiverOf[rNode], mask, force: fresh, &ctx) else { continue }
                profile.add(\.receivers, &t0)
                unembed(input)
                profile.flops += 2 * Double(metricRows.count * d * m.config.dVocabOut)
                profile.add(\.unembed, &t0)
                metric = setup.metric.evaluate(logitsBuf.pointer)
                profile.add(\.metric, &t0)
                profile.metrics += 1
                ctx.recomputed.append(u)
            }
        }
        lastTrial = Trial(mask: mask, recomputed: ctx.recomputed, metric: metric, live: liveTrial,
                          hotReceiver: ctx.hotReceiver, canonicalReceivers: canonical ? Array(nonCanonical.keys) : ctx.canonicalReceivers)
        return metric
    }

    private struct TrialContext {
        let canonical: Bool
        var recomputed: [Int] = []
        var canonicalReceivers: [Int] = []
        var hotReceiver = -1
        /// Speculative chain trials: the step's edges in test order (see `chainTrial`).
        var chain: [Int]?
        init(canonical: Bool) { self.canonical = canonical }
    }

    private func markChanged(_ u: Int, _ ctx: inout TrialContext) {
        let s = unitNode[u]
        senderChanged[s] = true
        compactTrial[s] = !needAllTrial[s]
        clock += 1
        trialStamp[s] = clock
        ctx.recomputed.append(u)
    }

    /// Node liveness: a node is live if a present edge path leads from it to
    /// the output (placeholder edges always count). Dead units are never
    /// computed; nothing live reads them.
    private func computeLiveness(_ mask: [Bool]) {
        for n in g.order {
            var live = n == outputNode, all = false
            for c in children[n] where (c.placeholder || mask[c.edge]) && liveTrial[c.child] {
                live = true
                if isKeyValueInput[c.child] || needAllTrial[c.child] { all = true; break }
            }
            liveTrial[n] = live
            needAllTrial[n] = all
            if let l = lastResultOfPostNormLayer[n] { coupleLayer(l) }
        }
    }

    /// A post-attention norm (Gemma 2, OLMo 2) scales every head of a layer by
    /// one norm of their summed raw outputs, so each head's sender value
    /// depends on all heads of its layer, dead ones included: if any head of
    /// the layer is live, all are, on the union of their rows.
    private func coupleLayer(_ l: Int) {
        let nodes = layerResultNodes[l]
        guard nodes.contains(where: { liveTrial[$0] }) else { return }
        let all = nodes.contains { needAllTrial[$0] }
        for n in nodes { liveTrial[n] = true; needAllTrial[n] = all }
    }

    /// After the heads of post-norm layer `l`: when any of them was
    /// recomputed, their shares `r_h·gain/rms(Σ r)` are recomputed for every
    /// head (the model's own `shareAttentionNorm` on the raw outputs) and all
    /// of them count as changed.
    private func finishPostNormLayer(_ l: Int, _ ctx: inout TrialContext) {
        let heads = (0..<H).map { l * (H + (m.config.hasMLP ? 1 : 0)) + $0 }
        let node0 = unitNode[heads[0]]
        guard liveTrial[node0] else { return }
        let rows = needAllTrial[node0] ? BT : metricRows.count
        for u in heads where !senderChanged[unitNode[u]] {
            // Not recomputed: its inputs and raw output are the committed ones.
            let sc = scratchBuffers(u), cm = committed[u]
            for i in 0..<3 { sc[i].pointer.update(from: cm[i].pointer, count: (i == 0 ? rows : BT) * dh) }
            sc[4].pointer.update(from: cm[4].pointer, count: rows * d)
        }
        let gathered = shareBuf.pointer
        for (h, u) in heads.enumerated() {
            let raw = scratch[u][4].pointer
            for r in 0..<rows { (gathered + (r * H + h) * d).update(from: raw + r * d, count: d) }
        }
        m.shareAttentionNorm(layer: l, results: gathered, rows: rows)
        for (h, u) in heads.enumerated() {
            let out = scratch[u][3].pointer
            for r in 0..<rows { (out + r * d).update(from: gathered + (r * H + h) * d, count: d) }
            if !senderChanged[unitNode[u]] { markChanged(u, &ctx) }
        }
    }

    private func currentStamp(_ s: Int) -> Int { senderChanged[s] ? trialStamp[s] : committedStamp[s] }

    /// The receiver's value for this trial, or nil when its committed value
    /// stands (no flipped edge, no changed present parent, not `force`d).
    private func receiverValue(_ r: Int, _ mask: [Bool], force: Bool, _ ctx: inout TrialContext) -> UnsafePointer<Float>? {
        let rc = receivers[r]
        let lay = layout(r)
        var parentChanged = false
        let before = committedMask.isEmpty ? mask : committedMask
        for (k, e) in rc.edges.enumerated() where senderChanged[rc.parents[k]] && (mask[e] || before[e]) {
            parentChanged = true; break
        }
        let dirty = force || directDirty[rc.node] || parentChanged
        if !dirty {
            // Canonical pass: a receiver last computed from a running sum keeps its unit only if bit-identical.
            guard ctx.canonical, let stored = nonCanonical[r] else { return nil }
            canonicalSum(r, mask, into: sumBuf.pointer)
            roundSum(lay.base.pointer, sumBuf.pointer, into: xBuf.pointer, count: lay.count)
            return bitwiseEqual(xBuf.pointer, stored.pointer, count: lay.count) ? nil : UnsafePointer(xBuf.pointer)
        }
        if !ctx.canonical && !force && !parentChanged && ctx.hotReceiver < 0 && liveCommitted[rc.node] {
            var flips: [Int] = []
            for (k, e) in rc.edges.enumerated() where mask[e] != committedMask[e] { flips.append(k) }
            if let chain = ctx.chain, flips.count > 1 {
                // Removals in test order: the sequential search's running sum, one removal per trial.
                let rank = { (k: Int) in chain.firstIndex(of: rc.edges[k]) ?? Int.max }
                flips.sort { rank($0) < rank($1) }
            }
            if flips.count <= 4 || ctx.chain != nil {
                if hotReceiver != r || !hotStillValid(committedMask) {
                    canonicalSum(r, committedMask, into: hotSum.pointer)
                    hotReceiver = r
                    hotPacked = lay.packed
                    hotEdges = rc.edges.map { committedMask[$0] }
                    clock += 1; hotStamp = clock
                }
                var from = UnsafePointer(hotSum.pointer)
                if flips.isEmpty { trialSum.pointer.update(from: hotSum.pointer, count: lay.count) }
                for k in flips {
                    let s = rc.parents[k]
                    forEachRowBlock(r, sender: s) { off, a, c, n in
                        if mask[rc.edges[k]] {
                            addDifference(from + off, a, c, into: trialSum.pointer + off, count: n)
                        } else {
                            removeDifference(from + off, a, c, into: trialSum.pointer + off, count: n)
                        }
                    }
                    from = UnsafePointer(trialSum.pointer)
                    // Per flip, as the sequential search adds it once per trial of one flip.
                    if runningSumBias != 0 { for i in 0..<lay.count { trialSum.pointer[i] += runningSumBias } }
                }
                if flips.isEmpty && runningSumBias != 0 { for i in 0..<lay.count { trialSum.pointer[i] += runningSumBias } }
                roundSum(lay.base.pointer, trialSum.pointer, into: trialHotX.pointer, count: lay.count)
                ctx.hotReceiver = r
                return UnsafePointer(trialHotX.pointer)
            }
        }
        ctx.canonicalReceivers.append(r)
        let slot = lay.packed ? 0 : 1
        var senders: [Int] = []
        for (k, e) in rc.edges.enumerated() where mask[e] { senders.append(rc.parents[k]) }
        let memo = valueMemo[slot]
        if memo.base == ObjectIdentifier(lay.base) && memo.senders == senders
            && senders.allSatisfy({ currentStamp($0) < memo.stamp }) {
            return UnsafePointer(memo.buffer.pointer)
        }
        canonicalSum(r, mask, into: sumBuf.pointer)
        roundSum(lay.base.pointer, sumBuf.pointer, into: memo.buffer.pointer, count: lay.count)
        clock += 1; memoGeneration += 1
        valueMemo[slot] = ValueMemo(base: ObjectIdentifier(lay.base), senders: senders, stamp: clock,
                                    generation: memoGeneration, buffer: memo.buffer)
        return UnsafePointer(memo.buffer.pointer)
    }

    /// Where a head input's layer-normalised rows go, and whether they are
    /// already there: for a memoised receiver value, its layout's `normMemo`
    /// (filled once per value, layer and kind class); otherwise `normBuf`.
    private func normalizedInputSlot(for input: UnsafePointer<Float>, layer: Int, kind: QKV)
        -> (UnsafeMutablePointer<Float>, Bool) {
        guard let slot = valueMemo.indices.first(where: { valueMemo[$0].base != nil && UnsafePointer(valueMemo[$0].buffer.pointer) == input })
        else { return (normBuf.pointer, false) }
        let kindClass = m.config.positionalEmbedding == .shortformer && kind == .v ? 1 : 0
        let generation = valueMemo[slot].generation
        let buffer = normMemo[slot].buffer
        if normMemo[slot].generation == generation && normMemo[slot].layer == layer && normMemo[slot].kindClass == kindClass {
            return (buffer.pointer, true)
        }
        normMemo[slot] = NormMemo(generation: generation, layer: layer, kindClass: kindClass, buffer: buffer)
        return (buffer.pointer, false)
    }

    /// The receiver's row layout in this trial: packed on the metric rows or on all rows.
    private func layout(_ r: Int) -> (packed: Bool, base: FloatBuffer, count: Int) {
        let rc = receivers[r]
        let packed = rc.modeNode == -2 || (rc.modeNode >= 0 && !needAllTrial[rc.modeNode])
        return packed ? (true, rc.packedBase!, metricRows.count * d) : (false, rc.fullBase!, BT * d)
    }

    /// Its layout in the committed state.
    private func committedPacked(_ r: Int) -> Bool {
        let rc = receivers[r]
        return rc.modeNode == -2 || (rc.modeNode >= 0 && compactCommitted[rc.modeNode])
    }

    /// Calls `body(offset, a, ã, count)` over the receiver's rows for one
    /// sender: one call for all-row receivers, one per row for packed ones.
    @inline(__always)
    private func forEachRowBlock(_ r: Int, sender s: Int,
                                 _ body: (Int, UnsafePointer<Float>, UnsafePointer<Float>, Int) -> Void) {
        let a = senderValue(s), c = UnsafePointer(corruptSender[s]!.pointer)
        guard layout(r).packed else { body(0, a, c, BT * d); return }
        let rows = metricRows
        let packed = senderChanged[s] ? compactTrial[s] : compactCommitted[s]
        for (i, row) in rows.enumerated() { body(i * d, a + (packed ? i : row) * d, c + row * d, d) }
    }

    /// `S = Σ_present (double(a) − double(ã))` in canonical order, starting
    /// from the longest valid memoised prefix; memoises the result when the
    /// receiver's present parents are exactly a prefix of the sender order.
    private func canonicalSum(_ r: Int, _ mask: [Bool], into s: UnsafeMutablePointer<Double>) {
        let rc = receivers[r]
        let lay = layout(r)
        var present: [Int] = []
        present.reserveCapacity(rc.edges.count)
        for (k, e) in rc.edges.enumerated() where mask[e] { present.append(k) }
        var prefix = 0
        while prefix < present.count && senderPosition[rc.parents[present[prefix]]] == prefix { prefix += 1 }
        let isPacked = lay.packed
        var best = -1
        for (i, p) in prefixCache.enumerated() where p.length <= prefix && (p.packed == isPacked || !p.packed)
            && p.length > (best < 0 ? 0 : prefixCache[best].length) && prefixValid(p) {
            best = i
        }
        var start = 0
        if best >= 0 {
            let p = prefixCache[best]
            start = p.length
            if p.packed == isPacked {
                s.update(from: p.sum.pointer, count: lay.count)
            } else {
                for (i, row) in metricRows.enumerated() { (s + i * d).update(from: p.sum.pointer + row * d, count: d) }
            }
        } else {
            s.update(repeating: 0, count: lay.count)
        }
        // This receiver's own memoised leading partial sum, when it reaches further.
        let memoise = lay.count >= receiverPrefixMinCount
        let senders = memoise ? present.map { rc.parents[$0] } : []
        if memoise, let c = receiverPrefix[r], c.packed == isPacked, c.senders.count > start, c.senders.count <= senders.count,
           senders[..<c.senders.count].elementsEqual(c.senders), c.senders.allSatisfy({ currentStamp($0) < c.stamp }) {
            s.update(from: c.sum.pointer, count: lay.count)
            start = c.senders.count
        }
        func accumulate(_ ks: ArraySlice<Int>) {
            guard !ks.isEmpty else { return }
            if isPacked {
                for k in ks {
                    forEachRowBlock(r, sender: rc.parents[k]) { off, a, c, n in accumulateDifference(s + off, a, c, count: n) }
                }
            } else {
                // All rows: one contiguous array per sender, summed in cache-sized blocks.
                let pairs = ks.map { k in
                    let sender = rc.parents[k]
                    return (senderValue(sender), UnsafePointer(corruptSender[sender]!.pointer))
                }
                accumulateDifferences(s, pairs, count: lay.count)
            }
        }
        // Senders this trial did not change lead the list until the first changed
        // one: their partial sum is memoised for this receiver's later trials
        // (typically all of a step's trials, which change the step's receiver and
        // what lies downstream of it). The same additions from zero, so the same bits.
        var stable = start
        while memoise && stable < senders.count && !senderChanged[senders[stable]] { stable += 1 }
        if stable > start && stable >= 2 {
            accumulate(present[start..<stable])
            var entry = receiverPrefix[r]
            if entry == nil || entry!.sum.count != lay.count {
                if receiverPrefixBytes + 8 * lay.count <= receiverPrefixBudget {
                    if let old = entry { receiverPrefixBytes -= 8 * old.sum.count }
                    entry = ReceiverPrefix(senders: [], packed: isPacked, stamp: 0, sum: DoubleBuffer(lay.count))
                    receiverPrefixBytes += 8 * lay.count
                } else {
                    entry = nil
                }
            }
            if var e = entry {
                e.sum.pointer.update(from: s, count: lay.count)
                clock += 1
                e.senders = Array(senders[..<stable]); e.packed = isPacked; e.stamp = clock
                receiverPrefix[r] = e
            }
            accumulate(present[stable...])
        } else {
            accumulate(present[start...])
        }
        if present.count == prefix && prefix > start && prefix > 0 {
            prefixCache.removeAll { $0.packed == isPacked && $0.length == prefix }
            if prefixCache.count >= maxPrefixSums, let oldest = prefixCache.indices.min(by: { prefixCache[$0].stamp < prefixCache[$1].stamp }) {
                prefixCache.remove(at: oldest)
            }
            let buf = DoubleBuffer(lay.count)
            buf.pointer.update(from: s, count: lay.count)
            clock += 1
            prefixCache.append(PrefixSum(packed: isPacked, length: prefix, stamp: clock, provisional: true, sum: buf))
        }
    }

    private func prefixValid(_ p: PrefixSum) -> Bool {
        for i in 0..<p.length where currentStamp(senderOrder[i]) >= p.stamp { return false }
        return true
    }

    /// Runs `body` over row ranges of a unit's `n` rows: two fixed halves,
    /// concurrently, for big units (the split depends only on the shape, so
    /// results do not depend on the machine), else one range.
    @inline(__always)
    private func forEachRowPart(_ n: Int, _ body: (Range<Int>) -> Void) {
        guard n >= 256 && d >= 256 else { body(0..<n); return }
        let parts = Parallel.split(n, parts: Parallel.maxParts, multiple: 16)
        if splitsAcrossCores { Parallel.forEach(Parallel.maxParts) { body(parts[$0]) } } else { for p in parts { body(p) } }
    }

    /// Final LayerNorm and unembedding of the metric rows into `logitsBuf`;
    /// a large vocabulary is split into two fixed column halves that run concurrently.
    private func unembed(_ x: UnsafePointer<Float>) {
        let rows = metricRows.count, c = m.config
        m.normalize(.final, x, rows: rows, into: outNorm.pointer)
        let parts = c.dVocabOut >= 4096 ? Parallel.maxParts : 1
        let columns = Parallel.split(c.dVocabOut, parts: parts, multiple: 64)
        let norm = UnsafePointer(outNorm.pointer), logits = logitsBuf.pointer
        if splitsAcrossCores {
            Parallel.forEach(parts) { m.unembedNormalized(norm, rows: rows, columns: columns[$0], logits: logits) }
        } else {
            for c in columns { m.unembedNormalized(norm, rows: rows, columns: c, logits: logits) }
        }
    }

    private func senderValue(_ s: Int) -> UnsafePointer<Float> {
        if let c = cleanSender[s] { return UnsafePointer(c.pointer) }
        let u = unitIndex(ofSender: s)
        let slot = g.nodes[s].head == nil ? 0 : 3
        return UnsafePointer(senderChanged[s] ? scratch[u][slot].pointer : committed[u][slot].pointer)
    }

    private func unitIndex(ofSender s: Int) -> Int {
        switch g.nodes[s] {
        case .result(let l, let h): return l * (H + (m.config.hasMLP ? 1 : 0)) + h
        case .mlpOut(let l): return l * (H + 1) + H
        default: preconditionFailure("\(g.nodes[s]) has no unit")
        }
    }
}

/// Wall time per phase of the fast evaluator (seconds) and unit counts.
public struct Profile: Sendable, CustomStringConvertible {
    public var receivers = 0.0, heads = 0.0, mlps = 0.0, unembed = 0.0, metric = 0.0, canonicalize = 0.0
    public var headUnits = 0, mlpUnits = 0, metrics = 0, canonicalTrials = 0
    /// Useful floating-point operations of the recomputation: the matrix
    /// products (2 per multiply-add) of the units recomputed, causal
    /// attention counted on the keys each query reads.
    public var flops = 0.0

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    mutating func add(_ field: WritableKeyPath<Profile, Double>, _ since: inout UInt64) {
        let t = Profile.now()
        self[keyPath: field] += Double(t - since) / 1e9
        since = t
    }

    public var description: String { description(scale: 1, unit: "s") }

    /// The phases' times multiplied by `scale` and labelled `unit` (e.g. 1000, "ms").
    public func description(scale: Double, unit: String) -> String {
        func f(_ x: Double) -> String { String(format: "%.1f", x * scale) + " " + unit }
        return "receivers \(f(receivers)), heads \(f(heads)) (\(headUnits) recomputed), MLPs \(f(mlps)) (\(mlpUnits)), "
            + "unembed \(f(unembed)), metric \(f(metric)) (\(metrics) metric values), step-end canonicalisation \(f(canonicalize)) (\(canonicalTrials), included above)"
    }
}
