import ACDC
import Transformer

extension NodeKind {
    /// Reads a node name as the fixtures and result.json write it
    /// (`blocks.1.attn.hook_result[:,:,3]`; the reference's spaced index form
    /// `[:, :, 3]` is accepted too). Parsing goes through `name`, so a string
    /// parses exactly when some node would print it.
    public init?(parsing raw: String) {
        let s = raw.filter { $0 != " " }
        var numbers: [Int] = []
        var current: Int? = nil
        for ch in s {
            if let d = ch.wholeNumberValue, ch.isASCII {
                current = (current ?? 0) &* 10 &+ d
                if current! > 1_000_000 { return nil }
            } else if let c = current {
                numbers.append(c); current = nil
            }
        }
        if let c = current { numbers.append(c) }
        var candidates: [NodeKind] = []
        switch numbers.count {
        case 0: candidates = [.tokenEmbed, .posEmbed]
        case 1:
            let l = numbers[0]
            candidates = [.output(layer: l), .mlpOut(l), .mlpIn(l)]
            if l == 0 { candidates.append(.residPre) }
        case 2:
            let (l, h) = (numbers[0], numbers[1])
            candidates = [.result(l, head: h)]
            for x in QKV.allCases { candidates += [.qkv(l, head: h, x), .input(l, head: h, x)] }
        default: return nil
        }
        guard let k = candidates.first(where: { $0.name == s }) else { return nil }
        self = k
    }

    /// The reference's short drawing label (ACDC.md §6.3): `embed`, `a1.6_k`,
    /// `a0.0`, `m3`, `resid_post`, `token_embeds`, `pos_embeds`.
    public var shortLabel: String {
        switch self {
        case .output: return "resid_post"
        case .mlpIn(let l), .mlpOut(let l): return "m\(l)"
        case .result(let l, let h), .qkv(let l, let h, _): return "a\(l).\(h)"
        case .input(let l, let h, let x): return "a\(l).\(h)_\(x.letter)"
        case .residPre: return "embed"
        case .tokenEmbed: return "token_embeds"
        case .posEmbed: return "pos_embeds"
        }
    }

    /// Layer the node belongs to; embeddings are layer −1.
    public var layer: Int {
        switch self {
        case .output(let l), .mlpIn(let l), .mlpOut(let l), .result(let l, _), .qkv(let l, _, _), .input(let l, _, _): return l
        case .residPre, .tokenEmbed, .posEmbed: return -1
        }
    }

    /// A short word for what the node is, used in JSON exports.
    public var kindName: String {
        switch self {
        case .output: return "output"
        case .mlpIn: return "mlp_in"
        case .mlpOut: return "mlp_out"
        case .result: return "head_result"
        case .qkv(_, _, let x): return "head_\(x.letter)"
        case .input(_, _, let x): return "head_\(x.letter)_input"
        case .residPre: return "embed"
        case .tokenEmbed: return "token_embed"
        case .posEmbed: return "pos_embed"
        }
    }
}

/// One edge as written in edge lists: `child<-parent` plus an optional `|TYPE`.
public struct EdgeName: Hashable, Sendable {
    public let child: String
    public let parent: String
    public let type: EdgeType?

    /// `child<-parent`, spaces removed (the key every lookup uses).
    public var key: String { child + "<-" + parent }

    /// Splits `child<-parent[|TYPE]`; nil when the shape is wrong.
    public init?(parsing raw: String) {
        var s = Substring(raw.filter { $0 != " " && $0 != "\t" })
        var type: EdgeType? = nil
        if let bar = s.lastIndex(of: "|") {
            guard let t = EdgeType(rawValue: String(s[s.index(after: bar)...])) else { return nil }
            type = t
            s = s[..<bar]
        }
        guard let arrow = s.range(of: "<-") else { return nil }
        let child = String(s[..<arrow.lowerBound]), parent = String(s[arrow.upperBound...])
        guard !child.isEmpty, !parent.isEmpty else { return nil }
        self.child = child; self.parent = parent; self.type = type
    }

    public init(child: String, parent: String, type: EdgeType?) {
        self.child = child; self.parent = parent; self.type = type
    }
}
