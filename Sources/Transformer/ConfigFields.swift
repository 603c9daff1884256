import Foundation

/// The one typed reader of model `config.json` objects: each field read with
/// its JSON type, a value of the wrong type refused naming the key, never
/// replaced by the default. Tracks which keys were read, so unknown ones can
/// be refused. The TransformerLens entry reads its fields with it directly;
/// the Hugging Face entries decode their Codable configs through it
/// (`ConfigDecoder`), so both refuse the same things with the same messages.
struct ConfigFields {
    let object: [String: Any]
    let file: String
    /// Key path of a nested object (`rope_scaling.`), for messages.
    let prefix: String
    private var seen: Set<String> = []

    init(object: [String: Any], file: String, prefix: String = "") {
        self.object = object; self.file = file; self.prefix = prefix
    }

    mutating func ignore(_ keys: [String]) { seen.formUnion(keys) }

    private mutating func value(_ k: String) -> Any? {
        seen.insert(k)
        guard let v = object[k], !(v is NSNull) else { return nil }
        return v
    }

    private func isNull(_ k: String) -> Bool { object[k] is NSNull }

    private func wrongType(_ k: String, _ want: String) -> ModelError {
        ModelError("\(file): '\(prefix)\(k)' must be \(want), got \(ConfigFields.describe(object[k]))")
    }

    static func describe(_ v: Any?) -> String {
        guard let v else { return "nothing" }
        if v is NSNull { return "null" }
        if let n = v as? NSNumber {
            return isBoolean(n) ? (n.boolValue ? "true" : "false") : "\(n)"
        }
        if let s = v as? String { return "\"\(s)\"" }
        if v is [Any] { return "a list" }
        if v is [String: Any] { return "an object" }
        return "\(v)"
    }

    /// JSONSerialization returns true/false as NSNumbers of a distinct class
    /// (which also bridge to Int): tell them apart by that class.
    private static let booleanClass = type(of: NSNumber(value: true))
    static func isBoolean(_ n: NSNumber) -> Bool { type(of: n) == booleanClass }

    /// JSON true/false only (not 0/1, not "true").
    private static func jsonBool(_ v: Any) -> Bool? {
        guard let n = v as? NSNumber, isBoolean(n) else { return nil }
        return n.boolValue
    }

    /// A JSON number that is not a boolean.
    private static func jsonNumber(_ v: Any) -> NSNumber? {
        guard let n = v as? NSNumber, !isBoolean(n) else { return nil }
        return n
    }

    mutating func bool(_ k: String, default d: Bool) throws -> Bool {
        guard let v = value(k) else {
            if isNull(k) { throw wrongType(k, "true or false") }
            return d
        }
        guard let b = ConfigFields.jsonBool(v) else { throw wrongType(k, "true or false") }
        return b
    }

    /// An exact integer; required.
    mutating func int(_ k: String) throws -> Int {
        guard object[k] != nil else { throw ModelError("\(file): missing integer field '\(prefix)\(k)'") }
        guard let i = try optionalInt(k) else { throw wrongType(k, "an integer") }
        return i
    }

    mutating func int(_ k: String, default d: Int) throws -> Int {
        if object[k] == nil { seen.insert(k); return d }
        return try int(k)
    }

    /// An exact integer, or nil when absent or null.
    mutating func optionalInt(_ k: String) throws -> Int? {
        guard let v = value(k) else { return nil }
        // `as? Int` only succeeds for exact integers (not 4.5, not 1e300).
        guard ConfigFields.jsonNumber(v) != nil, let i = v as? Int else { throw wrongType(k, "an integer") }
        return i
    }

    mutating func optionalNumber(_ k: String) throws -> Double? {
        guard let v = value(k) else { return nil }
        guard let n = ConfigFields.jsonNumber(v) else { throw wrongType(k, "a number") }
        return n.doubleValue
    }

    mutating func number(_ k: String, default d: Double) throws -> Double {
        if isNull(k) { seen.insert(k); throw wrongType(k, "a number") }
        return try optionalNumber(k) ?? d
    }

    mutating func optionalString(_ k: String) throws -> String? {
        guard let v = value(k) else { return nil }
        guard let s = v as? String else { throw wrongType(k, "a string") }
        return s
    }

    mutating func string(_ k: String, default d: String) throws -> String {
        if isNull(k) { seen.insert(k); throw wrongType(k, "a string") }
        return try optionalString(k) ?? d
    }

    /// A string or an explicit null (nil); `d` when absent.
    mutating func nullableString(_ k: String, default d: String) throws -> String? {
        if object[k] == nil { seen.insert(k); return d }
        return try optionalString(k)
    }

    mutating func optionalAny(_ k: String) throws -> Any? { value(k) }

    func refuseUnknown() throws {
        let unknown = object.keys.filter { !seen.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw ModelError("\(file): unknown config field\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", ")) (not a TransformerLens HookedTransformerConfig field this runtime understands)")
        }
    }
}

/// Decodes a Hugging Face architecture's Codable config (HF key names) through
/// `ConfigFields`: JSON true/false only for a Bool, exact integers for an Int,
/// numbers (not booleans, not strings) for a Double, and null refused naming
/// the key except where Hugging Face itself reads null as "not set"
/// (`nullMeansAbsent`). A null `layer_norm_epsilon` or size is no model, and
/// must not quietly become the default. Keys the type does not declare are not
/// read (a Hugging Face config carries many that do not change the forward pass).
struct ConfigDecoder: Decoder {
    /// Top-level keys whose null `transformers` treats as absent: its configs
    /// default them to None and derive the value (4·d for `n_inner`,
    /// hidden/heads for `head_dim`, no window, no soft-cap, no rope scaling, ...).
    static let nullMeansAbsent: Set<String> = [
        "n_inner", "head_dim", "num_key_value_heads", "sliding_window", "layer_types", "rope_scaling",
        "rope_parameters", "attn_logit_softcapping", "final_logit_softcapping", "hidden_activation",
    ]

    /// Reference box: the containers share the reader (and its record of read keys).
    final class Reader {
        var fields: ConfigFields
        init(_ fields: ConfigFields) { self.fields = fields }
    }

    let reader: Reader
    var codingPath: [CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(object: [String: Any], file: String, prefix: String = "") {
        reader = Reader(ConfigFields(object: object, file: file, prefix: prefix))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Keyed<Key>(reader: reader, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        throw ModelError("\(reader.fields.file): '\(reader.fields.prefix)' must be an object")
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        throw ModelError("\(reader.fields.file): '\(reader.fields.prefix)' must be an object")
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let reader: Reader
        var codingPath: [CodingKey]
        private var f: ConfigFields { reader.fields }

        init(reader: Reader, codingPath: [CodingKey]) { self.reader = reader; self.codingPath = codingPath }

        var allKeys: [Key] { f.object.keys.compactMap { Key(stringValue: $0) } }
        func contains(_ key: Key) -> Bool { f.object[key.stringValue] != nil }

        private func name(_ key: Key) -> String { f.prefix + key.stringValue }

        private func required(_ key: Key) throws {
            guard contains(key) else { throw ModelError("\(f.file): missing key '\(name(key))'") }
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            guard f.object[key.stringValue] is NSNull else { return false }
            // Nested objects (rope_scaling's fields) keep HF's null-as-unset.
            guard !f.prefix.isEmpty || ConfigDecoder.nullMeansAbsent.contains(key.stringValue) else {
                throw ModelError("\(f.file): '\(name(key))' must not be null")
            }
            return true
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
            try required(key); return try reader.fields.bool(key.stringValue, default: false)
        }
        func decode(_ type: String.Type, forKey key: Key) throws -> String {
            try required(key); return try reader.fields.string(key.stringValue, default: "")
        }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
            try required(key); return try reader.fields.number(key.stringValue, default: 0)
        }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
            Float(try decode(Double.self, forKey: key))
        }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try reader.fields.int(key.stringValue) }
        private func exact<T: FixedWidthInteger>(_ key: Key) throws -> T {
            let v = try decode(Int.self, forKey: key)
            guard let t = T(exactly: v) else { throw ModelError("\(f.file): '\(name(key))' is out of range, got \(v)") }
            return t
        }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try exact(key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try exact(key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try exact(key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try exact(key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try exact(key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try exact(key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try exact(key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try exact(key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try exact(key) }

        /// Lists of strings (`layer_types`) and nested objects (`rope_scaling`).
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try required(key)
            let v = try reader.fields.optionalAny(key.stringValue)
            if T.self == [String].self {
                guard let list = v as? [Any], let strings = list as? [String], list.allSatisfy({ $0 is String }) else {
                    throw ModelError("\(f.file): '\(name(key))' must be a list of strings, got \(ConfigFields.describe(f.object[key.stringValue]))")
                }
                return strings as! T
            }
            guard let nested = v as? [String: Any] else {
                throw ModelError("\(f.file): '\(name(key))' must be an object, got \(ConfigFields.describe(f.object[key.stringValue]))")
            }
            return try T(from: ConfigDecoder(object: nested, file: f.file, prefix: name(key) + "."))
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try required(key)
            guard let nested = try reader.fields.optionalAny(key.stringValue) as? [String: Any] else {
                throw ModelError("\(f.file): '\(name(key))' must be an object, got \(ConfigFields.describe(f.object[key.stringValue]))")
            }
            return try ConfigDecoder(object: nested, file: f.file, prefix: name(key) + ".").container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
            throw ModelError("\(f.file): '\(name(key))': lists are read only as lists of strings")
        }
        func superDecoder() throws -> Decoder { throw ModelError("\(f.file): cannot decode config") }
        func superDecoder(forKey key: Key) throws -> Decoder { throw ModelError("\(f.file): cannot decode config") }
    }
}
