import Foundation
import Transformer

/// An `acdc-experiment/1` file: model, clean and corrupted tokens, metrics.
/// See `Tests/Fixtures/README` of the reference fixtures for the format.
public struct Experiment: Sendable {
    public static let format = "acdc-experiment/1"

    public var name: String
    public var description: String
    /// Model directory as written in the file (relative to the file) and resolved.
    public var model: String
    public var modelPath: String
    public var clean: TokenBatch
    public var corrupted: TokenBatch
    public var usePosEmbed: Bool
    public var corruptedPosPermutation: [Int]?
    /// In file order; the first is the default search metric.
    public var metrics: [(name: String, spec: MetricSpec)]
    /// Where it was read from (nil when built in memory).
    public var sourcePath: String?

    public init(name: String, description: String = "", model: String, modelPath: String, clean: TokenBatch,
                corrupted: TokenBatch, usePosEmbed: Bool, corruptedPosPermutation: [Int]? = nil,
                metrics: [(name: String, spec: MetricSpec)], sourcePath: String? = nil) {
        self.name = name; self.description = description; self.model = model; self.modelPath = modelPath
        self.clean = clean; self.corrupted = corrupted; self.usePosEmbed = usePosEmbed
        self.corruptedPosPermutation = corruptedPosPermutation; self.metrics = metrics; self.sourcePath = sourcePath
    }

    public func metric(named name: String?) throws -> (name: String, spec: MetricSpec) {
        guard let name else { return metrics[0] }
        guard let m = metrics.first(where: { $0.name == name }) else {
            throw ACDCError("\(sourcePath ?? self.name): no metric '\(name)' (available: \(metrics.map(\.name).joined(separator: ", ")))")
        }
        return m
    }

    public static func load(path: String) throws -> Experiment {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ACDCError("\(path): cannot read experiment file (missing?)")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(Array(data)) } catch {
            throw ACDCError("\(path): \(error)")
        }
        let dir = (path as NSString).deletingLastPathComponent
        return try parse(json, file: path, baseDirectory: dir.isEmpty ? "." : dir)
    }

    public static func parse(_ j: JSONValue, file: String, baseDirectory: String) throws -> Experiment {
        func fail(_ m: String) -> ACDCError { ACDCError("\(file): \(m)") }
        guard j.objectPairs != nil else { throw fail("not a JSON object") }
        guard j["format"]?.string == format else {
            throw fail("'format' must be \"\(format)\", got \(j["format"]?.serialized() ?? "nothing")")
        }
        guard let model = j["model"]?.string else { throw fail("missing 'model' (model directory)") }
        let modelPath = model.hasPrefix("/") ? model : (baseDirectory as NSString).appendingPathComponent(model)
        func tokens(_ key: String) throws -> TokenBatch {
            guard let rows = j[key]?.array else { throw fail("missing '\(key)' token rows") }
            let ints = try rows.enumerated().map { (i, r) -> [Int] in
                guard let a = r.array else { throw fail("'\(key)' row \(i) is not a list") }
                return try a.map { v in guard let t = v.int else { throw fail("'\(key)' row \(i) holds a non-integer token") }; return t }
            }
            do { return try TokenBatch(ints, origin: "\(file) '\(key)'") } catch let e as ModelError { throw ACDCError(e.message) }
        }
        let clean = try tokens("clean"), corrupted = try tokens("corrupted")
        guard clean.rows == corrupted.rows, clean.seqLen == corrupted.seqLen else {
            throw fail("'clean' is \(clean.rows)x\(clean.seqLen) but 'corrupted' is \(corrupted.rows)x\(corrupted.seqLen)")
        }
        var perm: [Int]? = nil
        if let p = j["corrupted_pos_embed_permutation"], !p.isNull {
            guard let a = p.array?.compactMap(\.int), a.count == p.array?.count else { throw fail("'corrupted_pos_embed_permutation' must be a list of integers") }
            guard a.count == clean.seqLen, Set(a) == Set(0..<clean.seqLen) else {
                throw fail("'corrupted_pos_embed_permutation' must be a permutation of 0..<\(clean.seqLen)")
            }
            perm = a
        }
        guard let mj = j["metrics"]?.objectPairs, !mj.isEmpty else { throw fail("'metrics' must be a non-empty object") }
        let metrics = try mj.map { (name, body) in (name: name, spec: try parseMetric(name: name, body, fail: fail)) }
        return Experiment(name: j["name"]?.string ?? ((file as NSString).deletingLastPathComponent as NSString).lastPathComponent,
                          description: j["description"]?.string ?? "", model: model, modelPath: modelPath,
                          clean: clean, corrupted: corrupted, usePosEmbed: j["use_pos_embed"]?.bool ?? false,
                          corruptedPosPermutation: perm, metrics: metrics, sourcePath: file)
    }

    static func parseMetric(name: String, _ b: JSONValue, fail: (String) -> ACDCError) throws -> MetricSpec {
        func ints(_ k: String) throws -> [Int] {
            guard let a = b[k]?.array else { throw fail("metric '\(name)': missing list '\(k)'") }
            return try a.map { guard let i = $0.int else { throw fail("metric '\(name)': '\(k)' holds a non-integer") }; return i }
        }
        func int(_ k: String) throws -> Int {
            guard let i = b[k]?.int else { throw fail("metric '\(name)': missing integer '\(k)'") }
            return i
        }
        func intRows(_ k: String) throws -> [[Int]] {
            guard let a = b[k]?.array else { throw fail("metric '\(name)': missing list '\(k)'") }
            return try a.map { r in
                guard let rr = r.array else { throw fail("metric '\(name)': '\(k)' must be a list of lists") }
                return try rr.map { guard let i = $0.int else { throw fail("metric '\(name)': '\(k)' holds a non-integer") }; return i }
            }
        }
        func selection() throws -> PositionSelection {
            if b["positions"] != nil { return .positions(try ints("positions")) }
            if let m = b["mask"]?.array {
                return .mask(try m.map { r in
                    guard let rr = r.array else { throw fail("metric '\(name)': 'mask' must be a list of lists") }
                    return try rr.map { guard let v = $0.bool else { throw fail("metric '\(name)': 'mask' holds a non-boolean") }; return v }
                })
            }
            return .all
        }
        let kind = b["kind"]?.string ?? name
        switch kind {
        case "kl_div": return .klDiv(try selection())
        case "logit_diff": return .logitDiff(position: try int("position"), correct: try ints("correct"), wrong: try ints("wrong"))
        case "l2": return .l2(positions: try ints("positions"), dims: try ints("dims"))
        case "greaterthan": return .greaterThan(position: try int("position"), yearTokens: try ints("year_tokens"), startYears: try ints("start_years"))
        case "docstring_metric": return .docstring(position: try int("position"), correct: try ints("correct"), wrong: try intRows("wrong"))
        case "nll": return .nll(try selection(), labels: try intRows("labels"))
        case "match_nll": return .matchNLL(try selection(), labels: try intRows("labels"))
        default:
            throw fail("metric '\(name)': unknown kind '\(kind)' (known: kl_div, logit_diff, l2, greaterthan, docstring_metric, nll, match_nll)")
        }
    }

    /// The experiment as an `acdc-experiment/1` JSON document.
    public func json() -> JSONValue {
        func rows(_ t: TokenBatch) -> JSONValue { .array((0..<t.rows).map { .array(t.row($0).map { .number(Double($0)) }) }) }
        func nums(_ a: [Int]) -> JSONValue { .array(a.map { .number(Double($0)) }) }
        func sel(_ s: PositionSelection) -> [(String, JSONValue)] {
            switch s {
            case .positions(let p): return [("positions", nums(p))]
            case .mask(let m): return [("mask", .array(m.map { .array($0.map { .bool($0) }) }))]
            case .all: return []
            }
        }
        func metricJSON(_ name: String, _ s: MetricSpec) -> JSONValue {
            var kv: [(String, JSONValue)]
            let kind: String
            switch s {
            case .klDiv(let x): kind = "kl_div"; kv = sel(x)
            case .logitDiff(let p, let c, let w): kind = "logit_diff"; kv = [("position", .number(Double(p))), ("correct", nums(c)), ("wrong", nums(w))]
            case .l2(let p, let d): kind = "l2"; kv = [("positions", nums(p)), ("dims", nums(d))]
            case .greaterThan(let p, let y, let st): kind = "greaterthan"; kv = [("position", .number(Double(p))), ("year_tokens", nums(y)), ("start_years", nums(st))]
            case .docstring(let p, let c, let w): kind = "docstring_metric"; kv = [("position", .number(Double(p))), ("correct", nums(c)), ("wrong", .array(w.map(nums)))]
            case .nll(let x, let l): kind = "nll"; kv = sel(x) + [("labels", .array(l.map(nums)))]
            case .matchNLL(let x, let l): kind = "match_nll"; kv = sel(x) + [("labels", .array(l.map(nums)))]
            }
            if kind != name { kv.insert(("kind", .string(kind)), at: 0) }
            return .object(kv)
        }
        return .object([
            ("format", .string(Experiment.format)),
            ("name", .string(name)),
            ("description", .string(description)),
            ("model", .string(model)),
            ("clean", rows(clean)),
            ("corrupted", rows(corrupted)),
            ("use_pos_embed", .bool(usePosEmbed)),
            ("corrupted_pos_embed_permutation", corruptedPosPermutation.map(nums) ?? .null),
            ("metrics", .object(metrics.map { ($0.name, metricJSON($0.name, $0.spec)) })),
        ])
    }
}
