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
        let data: [UInt8]
        do { data = try InputFile.read(path, what: "experiment file", maxBytes: 1 << 30) } catch let e as ModelError {
            throw ACDCError(e.message)
        }
        let json: JSONValue
        do { json = try JSONValue.parse(data) } catch {
            throw ACDCError("\(path): \(error)")
        }
        let dir = (path as NSString).deletingLastPathComponent
        return try parse(json, file: path, baseDirectory: dir.isEmpty ? "." : dir)
    }

    /// The fields of an experiment file; any other key is refused (a typo
    /// such as `use_pos_embeds` must not silently run another experiment).
    static let fields: Set<String> = ["format", "name", "description", "model", "clean", "corrupted", "use_pos_embed",
                                      "corrupted_pos_embed_permutation", "metrics"]

    /// Every field is read with its type: a wrong-typed value is refused
    /// naming the key, never replaced by a default.
    public static func parse(_ j: JSONValue, file: String, baseDirectory: String) throws -> Experiment {
        func fail(_ m: String) -> ACDCError { ACDCError("\(file): \(m)") }
        guard let pairs = j.objectPairs else { throw fail("not a JSON object") }
        if let unknown = pairs.first(where: { !fields.contains($0.0) }) {
            throw fail("unknown field '\(unknown.0)' (known: \(fields.sorted().joined(separator: ", ")))")
        }
        guard j["format"]?.string == format else {
            throw fail("'format' must be \"\(format)\", got \(j["format"]?.serialized() ?? "nothing")")
        }
        func optionalString(_ k: String) throws -> String? {
            guard let v = j[k] else { return nil }
            guard let s = v.string else { throw fail("'\(k)' must be a string, got \(v.serialized())") }
            return s
        }
        guard let model = try optionalString("model") else { throw fail("missing 'model' (model directory)") }
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
        var usePosEmbed = false
        if let u = j["use_pos_embed"] {
            guard let b = u.bool else { throw fail("'use_pos_embed' must be true or false, got \(u.serialized())") }
            usePosEmbed = b
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
        var seen = Set<String>()
        for (name, _) in mj where !seen.insert(name).inserted { throw fail("metric '\(name)' is defined twice") }
        let metrics = try mj.map { (name, body) in (name: name, spec: try parseMetric(name: name, body, fail: fail)) }
        return Experiment(name: try optionalString("name") ?? ((file as NSString).deletingLastPathComponent as NSString).lastPathComponent,
                          description: try optionalString("description") ?? "", model: model, modelPath: modelPath,
                          clean: clean, corrupted: corrupted, usePosEmbed: usePosEmbed,
                          corruptedPosPermutation: perm, metrics: metrics, sourcePath: file)
    }

    /// One metric's spec. The body must be an object holding exactly the keys
    /// its kind reads, each with its type: `null`, `[[1]]` or a misspelt key
    /// is refused rather than read as "all positions". (Positions, tokens and
    /// shapes are checked against the model by `Metric.validate`.)
    static func parseMetric(name: String, _ b: JSONValue, fail: (String) -> ACDCError) throws -> MetricSpec {
        func bad(_ m: String) -> ACDCError { fail("metric '\(name)': \(m)") }
        guard b.objectPairs != nil else { throw bad("must be an object, got \(b.serialized())") }
        var kind = name
        if let k = b["kind"] {
            guard let s = k.string else { throw bad("'kind' must be a string, got \(k.serialized())") }
            kind = s
        }
        func ints(_ k: String) throws -> [Int] {
            guard let v = b[k] else { throw bad("missing list '\(k)'") }
            guard let a = v.array else { throw bad("'\(k)' must be a list of integers, got \(v.serialized())") }
            return try a.map { guard let i = $0.int else { throw bad("'\(k)' holds a non-integer \($0.serialized())") }; return i }
        }
        func int(_ k: String) throws -> Int {
            guard let v = b[k] else { throw bad("missing integer '\(k)'") }
            guard let i = v.int else { throw bad("'\(k)' must be an integer, got \(v.serialized())") }
            return i
        }
        func intRows(_ k: String) throws -> [[Int]] {
            guard let v = b[k] else { throw bad("missing list '\(k)'") }
            guard let a = v.array else { throw bad("'\(k)' must be a list of lists of integers, got \(v.serialized())") }
            return try a.map { r in
                guard let rr = r.array else { throw bad("'\(k)' must be a list of lists") }
                return try rr.map { guard let i = $0.int else { throw bad("'\(k)' holds a non-integer \($0.serialized())") }; return i }
            }
        }
        func selection() throws -> PositionSelection {
            if b["positions"] != nil && b["mask"] != nil { throw bad("give 'positions' or 'mask', not both") }
            if b["positions"] != nil {
                return .positions(try ints("positions"))
            }
            if let mv = b["mask"] {
                guard let m = mv.array else { throw bad("'mask' must be a list of lists of booleans, got \(mv.serialized())") }
                return .mask(try m.map { r in
                    guard let rr = r.array else { throw bad("'mask' must be a list of lists") }
                    return try rr.map { guard let v = $0.bool else { throw bad("'mask' holds a non-boolean \($0.serialized())") }; return v }
                })
            }
            return .all
        }
        let keys: [String]
        let spec: MetricSpec
        switch kind {
        case "kl_div":
            keys = ["positions", "mask"]; spec = .klDiv(try selection())
        case "logit_diff":
            keys = ["position", "correct", "wrong"]
            spec = .logitDiff(position: try int("position"), correct: try ints("correct"), wrong: try ints("wrong"))
        case "l2":
            keys = ["positions", "dims"]
            spec = .l2(positions: try ints("positions"), dims: try ints("dims"))
        case "greaterthan":
            keys = ["position", "year_tokens", "start_years"]
            spec = .greaterThan(position: try int("position"), yearTokens: try ints("year_tokens"), startYears: try ints("start_years"))
        case "docstring_metric":
            keys = ["position", "correct", "wrong"]
            spec = .docstring(position: try int("position"), correct: try ints("correct"), wrong: try intRows("wrong"))
        case "nll":
            keys = ["positions", "mask", "labels"]; spec = .nll(try selection(), labels: try intRows("labels"))
        case "match_nll":
            keys = ["positions", "mask", "labels"]; spec = .matchNLL(try selection(), labels: try intRows("labels"))
        default:
            throw bad("unknown kind '\(kind)' (known: kl_div, logit_diff, l2, greaterthan, docstring_metric, nll, match_nll)")
        }
        if let extra = b.objectPairs?.first(where: { $0.0 != "kind" && !keys.contains($0.0) }) {
            throw bad("unknown key '\(extra.0)' for kind \(kind) (known: \((["kind"] + keys).joined(separator: ", ")))")
        }
        return spec
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
