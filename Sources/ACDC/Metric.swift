import Foundation
import Kernels

/// A metric bound to its baseline: evaluates logits of a patched run.
///
/// Logits arrive as `[rows, P, vocab]` where P indexes `positions` (only the
/// positions the metric reads are ever unembedded). Sums run in Double; the
/// log-softmax itself is float32 like the reference's.
public struct Metric: Sendable {
    public let spec: MetricSpec
    public let positions: [Int]
    public let rows: Int
    public let vocab: Int
    private let slot: [Int: Int]
    private let baseLogits: [Float]
    private let baseLogProbs: [Float]
    private let baseProbs: [Float]          // expf(baseLogProbs), for KL
    private let rowScratch: RowScratch

    /// `baseline`: the clean model's logits at `positions`, `[rows, P, vocab]`.
    public init(spec: MetricSpec, rows: Int, seqLen: Int, vocab: Int, baseline: [Float], name: String) throws {
        self.spec = spec
        self.positions = spec.positions(seqLen: seqLen)
        self.rows = rows
        self.vocab = vocab
        var s: [Int: Int] = [:]
        for (i, p) in positions.enumerated() { s[p] = i }
        self.slot = s
        try Metric.validate(spec, rows: rows, seqLen: seqLen, vocab: vocab, name: name)
        precondition(baseline.count == rows * positions.count * vocab)
        self.baseLogits = baseline
        var lp = [Float](repeating: 0, count: baseline.count)
        let n = rows * spec.positions(seqLen: seqLen).count, V = vocab
        baseline.withUnsafeBufferPointer { b in
            lp.withUnsafeMutableBufferPointer { o in
                for r in 0..<n {
                    logSoftmax(b.baseAddress! + r * V, count: V, output: o.baseAddress! + r * V)
                }
            }
        }
        self.baseLogProbs = lp
        self.baseProbs = lp.map { expf($0) }
        self.rowScratch = RowScratch(count: vocab)
    }

    static func validate(_ spec: MetricSpec, rows: Int, seqLen: Int, vocab: Int, name: String) throws {
        func pos(_ p: Int) throws {
            guard p >= 0 && p < seqLen else { throw ACDCError("metric '\(name)': position \(p) is outside the sequence (length \(seqLen))") }
        }
        func tok(_ t: Int) throws {
            guard t >= 0 && t < vocab else { throw ACDCError("metric '\(name)': token \(t) is outside the output vocabulary (\(vocab))") }
        }
        func perRow(_ n: Int, _ what: String) throws {
            guard n == rows else { throw ACDCError("metric '\(name)': \(what) has \(n) entries, expected one per row (\(rows))") }
        }
        func sel(_ s: PositionSelection) throws {
            switch s {
            case .positions(let p):
                guard !p.isEmpty else { throw ACDCError("metric '\(name)': empty position list") }
                try p.forEach(pos)
            case .mask(let m):
                try perRow(m.count, "mask")
                for row in m where row.count != seqLen {
                    throw ACDCError("metric '\(name)': mask rows must have \(seqLen) entries, got \(row.count)")
                }
                guard m.contains(where: { $0.contains(true) }) else { throw ACDCError("metric '\(name)': mask selects nothing") }
            case .all: break
            }
        }
        switch spec {
        case .klDiv(let s): try sel(s)
        case .logitDiff(let p, let c, let w):
            try pos(p); try perRow(c.count, "correct"); try perRow(w.count, "wrong"); try (c + w).forEach(tok)
        case .l2(let p, let d):
            guard !p.isEmpty, !d.isEmpty else { throw ACDCError("metric '\(name)': positions and dims must be non-empty") }
            try p.forEach(pos); try d.forEach(tok)
        case .greaterThan(let p, let y, let s):
            try pos(p); try y.forEach(tok); try perRow(s.count, "start_years")
            guard y.count == 100 else { throw ACDCError("metric '\(name)': year_tokens must list the 100 tokens 00..99, got \(y.count)") }
            for v in s where v < 0 || v > 99 { throw ACDCError("metric '\(name)': start year suffix \(v) is not in 0...99") }
        case .docstring(let p, let c, let w):
            try pos(p); try perRow(c.count, "correct"); try perRow(w.count, "wrong"); try c.forEach(tok)
            for ws in w { guard !ws.isEmpty else { throw ACDCError("metric '\(name)': empty wrong-token list") }; try ws.forEach(tok) }
        case .nll(let s, let labels), .matchNLL(let s, let labels):
            try sel(s); try perRow(labels.count, "labels")
            for l in labels { guard l.count == seqLen else { throw ACDCError("metric '\(name)': labels rows must have \(seqLen) entries") }; try l.forEach(tok) }
        }
    }

    /// Entries (row, slot) selected by a selection.
    private func entries(_ s: PositionSelection) -> [(Int, Int, Int)] {
        var out: [(Int, Int, Int)] = []
        for r in 0..<rows {
            for (j, p) in positions.enumerated() {
                switch s {
                case .positions(let ps): if ps.contains(p) { out.append((r, j, p)) }
                case .all: out.append((r, j, p))
                case .mask(let m): if m[r][p] { out.append((r, j, p)) }
                }
            }
        }
        return out
    }

    /// The metric of `logits` (`[rows, P, vocab]`).
    public func evaluate(_ logits: UnsafePointer<Float>) -> Double {
        let V = vocab, P = positions.count
        func at(_ r: Int, _ j: Int) -> UnsafePointer<Float> { logits + (r * P + j) * V }
        switch spec {
        case .klDiv(let s):
            // float32 throughout, like the reference's F.kl_div(...).sum(-1).mean().
            // Entries are independent: two fixed halves run concurrently when the
            // vocabulary is large; the per-entry values are summed in entry order,
            // so the result is the same bits either way.
            let es = entries(s)
            var kls = [Float](repeating: 0, count: es.count)
            let parts = es.count > 1 && V >= 4096 ? Parallel.maxParts : 1
            let ranges = Parallel.split(es.count, parts: parts)
            baseLogProbs.withUnsafeBufferPointer { base in
                baseProbs.withUnsafeBufferPointer { probs in
                    kls.withUnsafeMutableBufferPointer { out in
                        let out = out.baseAddress!
                        Parallel.forEach(parts) { part in
                            let m = rowScratch.take()
                            defer { rowScratch.give(m) }
                            for i in ranges[part] {
                                let (r, j, _) = es[i]
                                logSoftmax(at(r, j), count: V, output: m)
                                let b = base.baseAddress! + (r * P + j) * V, p = probs.baseAddress! + (r * P + j) * V
                                var kl: Float = 0
                                for v in 0..<V { kl += p[v] * (b[v] - m[v]) }
                                out[i] = kl
                            }
                        }
                    }
                }
            }
            var total: Float = 0
            for kl in kls { total += kl }
            return Double(total / Float(es.count))
        case .logitDiff(let p, let c, let w):
            let j = slot[p]!
            var sc: Double = 0, sw: Double = 0
            for r in 0..<rows { sc += Double(at(r, j)[c[r]]); sw += Double(at(r, j)[w[r]]) }
            return -(sc / Double(rows) - sw / Double(rows))
        case .l2(let ps, let dims):
            var total: Double = 0
            var n = 0
            baseLogits.withUnsafeBufferPointer { base in
                for r in 0..<rows { for p in ps { let j = slot[p]!
                    for d in dims {
                        let diff = Double(at(r, j)[d]) - Double(base[(r * P + j) * V + d])
                        total += diff * diff; n += 1
                    }
                } }
            }
            return total / Double(n)
        case .greaterThan(let p, let years, let start):
            let j = slot[p]!
            var lp = [Float](repeating: 0, count: V)
            var total: Double = 0
            lp.withUnsafeMutableBufferPointer { m in
                for r in 0..<rows {
                    logSoftmax(at(r, j), count: V, output: m.baseAddress!)
                    var above: Double = 0, below: Double = 0
                    for (yy, t) in years.enumerated() {
                        let pr = Double(expf(m[t]))
                        if yy > start[r] { above += pr } else { below += pr }
                    }
                    if start[r] == 0 { below = 0 }
                    total += above - below
                }
            }
            return -total / Double(rows)
        case .docstring(let p, let c, let w):
            let j = slot[p]!
            var total: Double = 0
            for r in 0..<rows {
                let row = at(r, j)
                var mx = -Float.infinity
                for t in w[r] where row[t] > mx { mx = row[t] }
                total += Double(row[c[r]] - mx)
            }
            return -total / Double(rows)
        case .nll(let s, let labels), .matchNLL(let s, let labels):
            let match: Bool
            if case .matchNLL = spec { match = true } else { match = false }
            var lp = [Float](repeating: 0, count: V)
            var total: Double = 0
            let es = entries(s)
            baseLogProbs.withUnsafeBufferPointer { base in
                lp.withUnsafeMutableBufferPointer { m in
                    for (r, j, p) in es {
                        logSoftmax(at(r, j), count: V, output: m.baseAddress!)
                        let t = labels[r][p]
                        var v = -Double(m[t])
                        if match { v += Double(base[(r * P + j) * V + t]) }
                        total += v
                    }
                }
            }
            return total / Double(es.count)
        }
    }
}

extension Metric {
    /// Backward of `evaluate`: ∂metric/∂logits, `[rows, P, vocab]` like the
    /// logits. Every metric here has one (the docstring metric's max over the
    /// wrong tokens passes its gradient to the largest, as torch's `max` does).
    public func gradient(_ logits: UnsafePointer<Float>) -> [Float] {
        let V = vocab, P = positions.count
        var g = [Float](repeating: 0, count: rows * P * V)
        func at(_ r: Int, _ j: Int) -> UnsafePointer<Float> { logits + (r * P + j) * V }
        func softmax(_ r: Int, _ j: Int) -> [Float] {
            var lp = [Float](repeating: 0, count: V)
            lp.withUnsafeMutableBufferPointer { logSoftmax(at(r, j), count: V, output: $0.baseAddress!) }
            return lp.map { expf($0) }
        }
        let invRows = 1 / Float(rows)
        switch spec {
        case .klDiv(let s):
            // mean over entries of Σ p_clean (log p_clean − log softmax(z)): (softmax(z) − p_clean) / n.
            let es = entries(s)
            let inv = 1 / Float(es.count)
            for (r, j, _) in es {
                let p = softmax(r, j), base = (r * P + j) * V
                for v in 0..<V { g[base + v] += (p[v] - baseProbs[base + v]) * inv }
            }
        case .logitDiff(let p, let c, let w):
            let j = slot[p]!
            for r in 0..<rows { g[(r * P + j) * V + c[r]] -= invRows; g[(r * P + j) * V + w[r]] += invRows }
        case .l2(let ps, let dims):
            let n = Float(rows * ps.count * dims.count)
            for r in 0..<rows { for p in ps { let j = slot[p]!
                for dd in dims {
                    let i = (r * P + j) * V + dd
                    g[i] += 2 * (at(r, j)[dd] - baseLogits[i]) / n
                }
            } }
        case .greaterThan(let p, let years, let start):
            // L_r = −Σ_t c_t·softmax_t, c = +1 above the start year, −1 at or below (0 when the start is 00).
            let j = slot[p]!
            for r in 0..<rows {
                let prob = softmax(r, j)
                var coeff = [Float](repeating: 0, count: V)
                for (yy, t) in years.enumerated() { coeff[t] += yy > start[r] ? 1 : (start[r] == 0 ? 0 : -1) }
                var mean: Float = 0
                for v in 0..<V { mean += coeff[v] * prob[v] }
                for v in 0..<V { g[(r * P + j) * V + v] = -prob[v] * (coeff[v] - mean) * invRows }
            }
        case .docstring(let p, let c, let w):
            let j = slot[p]!
            for r in 0..<rows {
                let row = at(r, j)
                var best = w[r][0]
                for t in w[r] where row[t] > row[best] { best = t }
                g[(r * P + j) * V + c[r]] -= invRows
                g[(r * P + j) * V + best] += invRows
            }
        case .nll(let s, let labels), .matchNLL(let s, let labels):
            let es = entries(s)
            let inv = 1 / Float(es.count)
            for (r, j, p) in es {
                let prob = softmax(r, j), base = (r * P + j) * V
                for v in 0..<V { g[base + v] += prob[v] * inv }
                g[base + labels[r][p]] -= inv
            }
        }
        return g
    }
}

/// Reusable vocabulary-sized rows for the log-softmax (allocating ~200 KB
/// per evaluation and thread costs page faults). Thread-safe.
final class RowScratch: @unchecked Sendable {
    private let lock = NSLock()
    private let count: Int
    private var free: [UnsafeMutablePointer<Float>] = []

    init(count: Int) { self.count = count }

    func take() -> UnsafeMutablePointer<Float> {
        lock.lock(); defer { lock.unlock() }
        return free.popLast() ?? UnsafeMutablePointer<Float>.allocate(capacity: count)
    }

    func give(_ p: UnsafeMutablePointer<Float>) {
        lock.lock(); defer { lock.unlock() }
        free.append(p)
    }

    deinit { for p in free { p.deallocate() } }
}
