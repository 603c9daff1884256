/// Options of one ACDC run (§4.3 of the spec); together with the experiment
/// and the model they determine the result.
///
/// This file is the one definition of the search options: their names
/// (`Field`: the snake_case key of result.json, checkpoints and HDF5
/// exports, and the `acdc run` flag), their valid combinations (`validate`),
/// their serialisation (`values`, `init(reading:)`, `json()`, `init(json:)`),
/// the command-line arguments that reproduce them (`arguments`) and a partial
/// set to check stored runs against (`Expected`).
public struct ACDCOptions: Codable, Equatable, Sendable {
    public enum IterationMode: String, Codable, Sendable, CaseIterable { case normal, reverse }

    public var threshold: Double
    public var metric: String
    public var zeroAblation: Bool
    public var absValueThreshold: Bool
    public var indicesMode: IterationMode
    public var namesMode: IterationMode
    public var removeRedundant: Bool

    public init(threshold: Double, metric: String, zeroAblation: Bool = false, absValueThreshold: Bool = false,
                indicesMode: IterationMode = .normal, namesMode: IterationMode = .normal, removeRedundant: Bool = false) {
        self.threshold = threshold; self.metric = metric; self.zeroAblation = zeroAblation
        self.absValueThreshold = absValueThreshold; self.indicesMode = indicesMode
        self.namesMode = namesMode; self.removeRedundant = removeRedundant
    }

    // MARK: names

    /// Every option, in serialisation order.
    public enum Field: String, CaseIterable, Sendable {
        case threshold, metric
        case zeroAblation = "zero_ablation", absValueThreshold = "abs_value_threshold"
        case indicesMode = "indices_mode", namesMode = "names_mode", removeRedundant = "remove_redundant"

        /// The snake_case key in result.json, checkpoints and HDF5 exports.
        public var key: String { rawValue }
        /// The `acdc run` option.
        public var flag: String { "--" + rawValue.replacingOccurrences(of: "_", with: "-") }
        public var kind: Kind {
            switch self {
            case .threshold: return .number
            case .metric, .indicesMode, .namesMode: return .string
            case .zeroAblation, .absValueThreshold, .removeRedundant: return .flag
            }
        }
        public enum Kind: Sendable { case number, string, flag }
    }

    /// One option's value as stored.
    public enum Value: Equatable, Sendable {
        case number(Double), string(String), flag(Bool)

        public var text: String {
            switch self { case .number(let d): return "\(d)"; case .string(let s): return s; case .flag(let b): return "\(b)" }
        }
    }

    // MARK: validity

    /// The combination rules, checked by the command line before anything is
    /// loaded and by `ACDCRun` for library callers.
    public func validate() throws {
        guard threshold.isFinite else { throw ACDCError("--threshold must be a finite number, got \(threshold)") }
        if removeRedundant && zeroAblation {
            throw ACDCError("--remove-redundant cannot be combined with --zero-ablation (a node with no inputs does not output zero)")
        }
    }

    // MARK: serialisation

    public func value(_ f: Field) -> Value {
        switch f {
        case .threshold: return .number(threshold)
        case .metric: return .string(metric)
        case .zeroAblation: return .flag(zeroAblation)
        case .absValueThreshold: return .flag(absValueThreshold)
        case .indicesMode: return .string(indicesMode.rawValue)
        case .namesMode: return .string(namesMode.rawValue)
        case .removeRedundant: return .flag(removeRedundant)
        }
    }

    /// Every option with its value, in `Field` order: what every writer writes.
    public var values: [(field: Field, value: Value)] { Field.allCases.map { ($0, value($0)) } }

    /// Reads every option through `read` (given the field, it returns the
    /// stored value of the field's kind, or nil when absent); `fail` makes
    /// the reader's error. Threshold and metric are required; an absent flag
    /// or mode takes its default (the reference fixtures omit them).
    public init(reading read: (Field) throws -> Value?, fail: (String) -> Error) throws {
        func get(_ f: Field) throws -> Value? {
            guard let v = try read(f) else { return nil }
            switch (f.kind, v) {
            case (.number, .number), (.string, .string), (.flag, .flag): return v
            default: throw fail("option '\(f.key)' has the wrong type")
            }
        }
        guard case .number(let t)? = try get(.threshold) else { throw fail("options need '\(Field.threshold.key)'") }
        guard case .string(let m)? = try get(.metric) else { throw fail("options need '\(Field.metric.key)'") }
        func flag(_ f: Field) throws -> Bool { if case .flag(let b)? = try get(f) { return b }; return false }
        func mode(_ f: Field) throws -> IterationMode {
            guard case .string(let s)? = try get(f) else { return .normal }
            guard let v = IterationMode(rawValue: s) else { throw fail("option '\(f.key)': unknown mode '\(s)'") }
            return v
        }
        self.init(threshold: t, metric: m, zeroAblation: try flag(.zeroAblation), absValueThreshold: try flag(.absValueThreshold),
                  indicesMode: try mode(.indicesMode), namesMode: try mode(.namesMode), removeRedundant: try flag(.removeRedundant))
    }

    /// The `options` object of result.json.
    public func json() -> JSONValue {
        .object(values.map { f, v in
            switch v {
            case .number(let d): return (f.key, .number(d))
            case .string(let s): return (f.key, .string(s))
            case .flag(let b): return (f.key, .bool(b))
            }
        })
    }

    /// Options as `json()` writes them (and the reference fixtures' `options`).
    public init(json o: JSONValue, fail: (String) -> ACDCError) throws {
        guard o.objectPairs != nil else { throw fail("'options' must be an object") }
        try self.init(reading: { f in
            guard let v = o[f.key] else { return nil }
            if let d = v.double { return .number(d) }
            if let s = v.string { return .string(s) }
            if let b = v.bool { return .flag(b) }
            throw fail("option '\(f.key)' holds \(v.serialized())")
        }, fail: fail)
    }

    // MARK: command line

    /// The `acdc run` arguments that reproduce these options.
    public var arguments: [String] { Expected(self).arguments }

    /// Options a caller expects of a run: nil fields are "any". `resume`
    /// checks a checkpoint against the options it is given; a sweep checks
    /// its finished runs and passes `arguments` to every child.
    public struct Expected: Equatable, Sendable {
        public var threshold: Double?
        public var metric: String?
        public var zeroAblation: Bool?
        public var absValueThreshold: Bool?
        public var indicesMode: IterationMode?
        public var namesMode: IterationMode?
        public var removeRedundant: Bool?

        public init(threshold: Double? = nil, metric: String? = nil, zeroAblation: Bool? = nil, absValueThreshold: Bool? = nil,
                    indicesMode: IterationMode? = nil, namesMode: IterationMode? = nil, removeRedundant: Bool? = nil) {
            self.threshold = threshold; self.metric = metric; self.zeroAblation = zeroAblation
            self.absValueThreshold = absValueThreshold; self.indicesMode = indicesMode; self.namesMode = namesMode
            self.removeRedundant = removeRedundant
        }

        public init(_ o: ACDCOptions) {
            self.init(threshold: o.threshold, metric: o.metric, zeroAblation: o.zeroAblation, absValueThreshold: o.absValueThreshold,
                      indicesMode: o.indicesMode, namesMode: o.namesMode, removeRedundant: o.removeRedundant)
        }

        public func value(_ f: Field) -> Value? {
            switch f {
            case .threshold: return threshold.map(Value.number)
            case .metric: return metric.map(Value.string)
            case .zeroAblation: return zeroAblation.map(Value.flag)
            case .absValueThreshold: return absValueThreshold.map(Value.flag)
            case .indicesMode: return indicesMode.map { .string($0.rawValue) }
            case .namesMode: return namesMode.map { .string($0.rawValue) }
            case .removeRedundant: return removeRedundant.map(Value.flag)
            }
        }

        /// `acdc run` arguments for the fields that are set; flags and modes
        /// only when they differ from the default. The threshold is one word
        /// (`--threshold=-0.01`), so a negative value never reads as an option.
        public var arguments: [String] {
            Field.allCases.flatMap { f -> [String] in
                switch value(f) {
                case .number(let d)?: return ["\(f.flag)=\(JSONValue.number(d).serialized())"]
                case .string(let s)? where f == .metric: return [f.flag, s]
                case .string(let s)?: return s == IterationMode.normal.rawValue ? [] : [f.flag, s]
                case .flag(true)?: return [f.flag]
                case .flag(false)?, nil: return []
                }
            }
        }

        /// The set fields whose value `o` does not have.
        public func differences(_ o: ACDCOptions) -> [(field: Field, stored: Value, expected: Value)] {
            Field.allCases.compactMap { f in
                guard let want = value(f), want != o.value(f) else { return nil }
                return (f, o.value(f), want)
            }
        }

        /// Why `o` differs ("zero_ablation true (sweep: false)"), nil when it does not.
        public func mismatch(_ o: ACDCOptions, expectedBy who: String) -> String? {
            let d = differences(o).map { "\($0.field.key) \($0.stored.text) (\(who): \($0.expected.text))" }
            return d.isEmpty ? nil : d.joined(separator: ", ")
        }
    }
}
