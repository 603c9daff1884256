import ACDC
import Transformer

/// The hand-found circuits the paper scores ACDC against (ACDC.md §7.1-7.3),
/// built exactly as the reference builds them. Edge strings as in ground_truth.json:
/// non-placeholder edges `child[index]<-parent[index]`, sorted.
public enum CanonicalCircuits {
    /// GPT-2 small's graph shape (the circuits only depend on the shape, not the weights).
    static let gpt2Small = ModelConfig(nLayers: 12, dModel: 768, nHeads: 12, dHead: 64, dMLP: 3072,
                                       dVocab: 50257, nCtx: 1024)
    /// attn-only-4l's graph shape.
    static let attnOnly4L = ModelConfig(nLayers: 4, dModel: 512, nHeads: 8, dHead: 64, dMLP: nil,
                                        dVocab: 48262, nCtx: 1024, attnOnly: true)

    // MARK: IOI

    typealias Head = (layer: Int, head: Int)

    static let ioiGroups: [String: [Head]] = [
        "name mover": [(9, 9), (10, 0), (9, 6)],
        "backup name mover": [(10, 10), (10, 6), (10, 2), (10, 1), (11, 2), (9, 7), (9, 0), (11, 9)],
        "negative": [(10, 7), (11, 10)],
        "s2 inhibition": [(7, 3), (7, 9), (8, 6), (8, 10)],
        "induction": [(5, 5), (5, 8), (5, 9), (6, 9)],
        "duplicate token": [(0, 1), (0, 10), (3, 0)],
        "previous token": [(2, 2), (4, 11)],
    ]

    /// IOI (26 heads): mask every other head, cut the circuit heads' inputs from the
    /// embedding and earlier heads and their outputs to the logits, then restore the
    /// group-to-group connections (§7.1). MLP edges stay present.
    public static func ioi() -> [String] {
        let g = ComputationalGraph(config: gpt2Small, usePosEmbed: false)
        var present = [Bool](repeating: true, count: g.edges.count)
        let edges = EdgeFinder(g)
        let circuit = ioiGroups.values.flatMap { $0 }
        let inCircuit = Set(circuit.map { $0.layer * 100 + $0.head })
        func mask(_ k: NodeKind) {
            let n = g.nodeIndex[k]!
            for e in g.children[n] { present[e] = false }
            for group in g.parentGroups[n] { for e in group.edges { present[e] = false } }
        }
        for l in 0..<12 { for h in 0..<12 where !inCircuit.contains(l * 100 + h) {
            for x in QKV.allCases { mask(.qkv(l, head: h, x)); mask(.input(l, head: h, x)) }
            mask(.result(l, head: h))
        } }
        for (l, h) in circuit {
            for x in QKV.allCases {
                let input = NodeKind.input(l, head: h, x)
                edges.set(.residPre, input, false, in: &present)
                for l2 in 0..<l { for h2 in 0..<12 { edges.set(.result(l2, head: h2), input, false, in: &present) } }
            }
            edges.set(.result(l, head: h), .output(layer: 11), false, in: &present)
        }
        // Senders and receivers with the layer the reference compares (INPUT = −1, OUTPUT = 13).
        let inputNodes: [(NodeKind, Int)] = [(.residPre, -1)] + (0..<12).map { (.mlpOut($0), $0) }
        let outputNodes: [(NodeKind, Int)] = [(.output(layer: 11), 13)] + (0..<12).map { (.mlpIn($0), $0) }
        func senders(_ group: String) -> [(NodeKind, Int)] {
            group == "INPUT" ? inputNodes : ioiGroups[group]!.map { (.result($0.layer, head: $0.head), $0.layer) }
        }
        func receivers(_ group: String, _ letters: [QKV]) -> [(NodeKind, Int)] {
            group == "OUTPUT" ? outputNodes
                : ioiGroups[group]!.flatMap { hd in letters.map { (.input(hd.layer, head: hd.head, $0), hd.layer) } }
        }
        let movers = ["negative", "name mover", "backup name mover"]
        let connections: [(from: [String], to: [String], letters: [QKV])] = [
            (["INPUT"], ["previous token"], [.q, .k, .v]),
            (["INPUT"], ["duplicate token"], [.q, .k, .v]),
            (["INPUT"], ["s2 inhibition"], [.q]),
            (["INPUT"], movers, [.k, .v]),
            (["previous token"], ["induction"], [.k, .v]),
            (["induction"], ["s2 inhibition"], [.k, .v]),
            (["duplicate token"], ["s2 inhibition"], [.k, .v]),
            (["s2 inhibition"], movers, [.q]),
            (movers, ["OUTPUT"], []),
        ]
        for c in connections {
            for from in c.from { for to in c.to {
                for (s, sl) in senders(from) { for (r, rl) in receivers(to, c.letters) where rl > sl {
                    edges.set(s, r, true, in: &present)
                } }
            } }
        }
        return edgeStrings(g, present)
    }

    // MARK: Greater-Than

    /// A group member: a head, or the MLP of a layer (`head == nil`).
    struct Member { let layer: Int; let head: Int? }

    /// Greater-Than: start empty and add the group connections of §7.2.
    public static func greaterThan() -> [String] {
        let g = ComputationalGraph(config: gpt2Small, usePosEmbed: false)
        var present = [Bool](repeating: false, count: g.edges.count)
        let edges = EdgeFinder(g)
        let heads0305 = [Member(layer: 0, head: 3), Member(layer: 0, head: 5)]
        let head01 = [Member(layer: 0, head: 1)]
        let mEarly = (0...3).map { Member(layer: $0, head: nil) }
        let aMid = [(5, 5), (6, 1), (6, 9), (7, 10), (8, 11), (9, 1)].map { Member(layer: $0.0, head: $0.1) }
        let mLate = (8...11).map { Member(layer: $0, head: nil) }
        func sender(_ m: Member) -> NodeKind { m.head.map { .result(m.layer, head: $0) } ?? .mlpOut(m.layer) }
        func inputs(_ m: Member) -> [NodeKind] {
            m.head.map { h in QKV.allCases.map { .input(m.layer, head: h, $0) } } ?? [.mlpIn(m.layer)]
        }
        func add(_ p: NodeKind, _ c: NodeKind) { edges.set(p, c, true, in: &present) }

        for m in heads0305 + head01 + mEarly { for i in inputs(m) { add(.residPre, i) } }
        for m in aMid + mLate { add(sender(m), .output(layer: 11)) }
        for group in [mEarly, mLate] { for a in group { for b in group where a.layer < b.layer { add(.mlpOut(a.layer), .mlpIn(b.layer)) } } }
        for (from, to) in [(head01, mEarly), (head01, aMid), (heads0305, aMid), (mEarly, aMid), (aMid, mLate)] {
            for s in from { for r in to where s.layer < r.layer || (s.layer == r.layer && s.head != nil && r.head == nil) {
                for i in inputs(r) { add(sender(s), i) }
            } }
        }
        for m in heads0305 + head01 + aMid {
            for x in QKV.allCases {
                add(.input(m.layer, head: m.head!, x), .qkv(m.layer, head: m.head!, x))
                add(.qkv(m.layer, head: m.head!, x), .result(m.layer, head: m.head!))
            }
        }
        for r in 0..<9 { for s in 0..<r { add(.mlpOut(s), .mlpIn(r)) } }
        for m in aMid { for s in 0..<m.layer { add(.mlpOut(s), .input(m.layer, head: m.head!, .q)) } }
        return edgeStrings(g, present)
    }

    // MARK: Docstring

    /// Docstring: the 37 edges of §7.3, listed directly.
    public static func docstring() -> [String] {
        let embed = NodeKind.residPre
        func res(_ l: Int, _ h: Int) -> NodeKind { .result(l, head: h) }
        func inp(_ l: Int, _ h: Int, _ x: QKV) -> NodeKind { .input(l, head: h, x) }
        var pairs: [(child: NodeKind, parent: NodeKind)] = []
        func own(_ l: Int, _ h: Int, _ xs: [QKV]) { for x in xs { pairs.append((.qkv(l, head: h, x), inp(l, h, x))) } }
        pairs.append((inp(0, 5, .v), embed)); own(0, 5, [.v])
        for x in [QKV.q, .k] { pairs += [(inp(1, 2, x), embed), (inp(1, 2, x), res(0, 5))] }
        own(1, 2, [.q, .k])
        pairs += [(inp(1, 4, .v), embed), (inp(1, 4, .v), res(0, 5))]; own(1, 4, [.v])
        for x in [QKV.q, .k] { pairs += [(inp(2, 0, x), embed), (inp(2, 0, x), res(0, 5))] }
        pairs.append((inp(2, 0, .v), res(1, 4))); own(2, 0, [.q, .k, .v])
        for h in [0, 6] {
            pairs.append((.output(layer: 3), res(3, h)))
            own(3, h, [.q, .k, .v])
            pairs.append((inp(3, h, .q), res(1, 4)))
            pairs += [(inp(3, h, .k), res(2, 0)), (inp(3, h, .k), res(1, 2))]
            pairs += [(inp(3, h, .v), embed), (inp(3, h, .v), res(0, 5))]
        }
        return pairs.map { $0.child.name + "<-" + $0.parent.name }.sorted(by: byteOrder)
    }

    // MARK: helpers

    static func edgeStrings(_ g: ComputationalGraph, _ present: [Bool]) -> [String] {
        g.presentEdgeStrings(present, includePlaceholders: false).map(stripType)
    }
}

/// `child<-parent|TYPE` -> `child<-parent`.
func stripType(_ s: String) -> String {
    if let bar = s.lastIndex(of: "|") { return String(s[..<bar]) }
    return s
}

/// Python's `sorted` on str: byte order of the UTF-8 encoding.
func byteOrder(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }

/// Edge index by (parent, child) node.
struct EdgeFinder {
    let graph: ComputationalGraph
    private let index: [Int: Int]

    init(_ g: ComputationalGraph) {
        graph = g
        var m: [Int: Int] = [:]
        for (i, e) in g.edges.enumerated() { m[e.parent * g.nodes.count + e.child] = i }
        index = m
    }

    /// Sets the edge parent -> child; pairs the graph has no edge for are ignored.
    func set(_ parent: NodeKind, _ child: NodeKind, _ value: Bool, in present: inout [Bool]) {
        guard let p = graph.nodeIndex[parent], let c = graph.nodeIndex[child],
              let e = index[p * graph.nodes.count + c] else { return }
        present[e] = value
    }
}
