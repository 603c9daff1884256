import Foundation

/// The weight files of a model directory: one `model.safetensors`, or the
/// shards listed by `model.safetensors.index.json`. Hands out tensors as
/// float32 (F32 stays memory-mapped; BF16 and F16 are converted one tensor at
/// a time into owned float32 storage, so a converted model needs its float32
/// size and no further scratch) and records which names were used, so a
/// loader can refuse files with tensors it does not understand.
public final class CheckpointFiles: TensorSource {
    public let origin: String
    private var files: [SafetensorsFile] = []
    private var fileOf: [String: Int] = [:]
    private var used: Set<String> = []
    /// Floats of owned float32 storage made by converting BF16/F16 tensors (the only copies a load makes).
    public private(set) var convertedFloats = 0

    public init(directory: String) throws {
        let single = (directory as NSString).appendingPathComponent("model.safetensors")
        let index = (directory as NSString).appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: single) {
            origin = single
            try add(SafetensorsFile(path: single))
        } else if FileManager.default.fileExists(atPath: index) {
            origin = index
            let map = try Self.weightMap(index: index)
            let shardNames = Set(map.values)
            for shard in shardNames.sorted() {
                let path = (directory as NSString).appendingPathComponent(shard)
                guard FileManager.default.fileExists(atPath: path) else {
                    throw ModelError("\(path): missing weights shard (listed in \(index))")
                }
                try add(SafetensorsFile(path: path))
            }
            for (tensor, v) in map {
                let shard = (directory as NSString).appendingPathComponent(v)
                guard let i = fileOf[tensor], files[i].path == shard else {
                    throw ModelError("\(index): tensor '\(tensor)' is not in its listed shard \(shard)")
                }
            }
        } else {
            origin = single
            throw ModelError("\(single): missing weights file (nor a sharded model.safetensors.index.json)")
        }
    }

    /// The `weight_map` of a sharded model's index (tensor name → shard file
    /// in the same directory), read as an input file (a FIFO or device is refused).
    public static func weightMap(index: String) throws -> [String: String] {
        let data = Data(try InputFile.read(index, what: "safetensors index", maxBytes: 64 << 20))
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let map = obj["weight_map"] as? [String: Any] else {
            throw ModelError("\(index): not a safetensors index (needs an object 'weight_map')")
        }
        var out: [String: String] = [:]
        for (tensor, v) in map {
            guard let shard = v as? String, !shard.contains("/"), !shard.isEmpty, shard != ".", shard != ".." else {
                throw ModelError("\(index): 'weight_map.\(tensor)' must name a shard file in the same directory")
            }
            out[tensor] = shard
        }
        return out
    }

    /// A source over one already open file (the tests' and tools' in-directory-less use).
    public init(file: SafetensorsFile) throws {
        origin = file.path
        try add(file)
    }

    private func add(_ f: SafetensorsFile) throws {
        for name in f.entries.keys {
            if let other = fileOf[name] { throw ModelError("\(f.path): tensor '\(name)' is also in \(files[other].path)") }
            fileOf[name] = files.count
        }
        files.append(f)
    }

    public var names: [String] { Array(fileOf.keys) }

    public func contains(_ name: String) -> Bool { fileOf[name] != nil }

    /// The file holding `name` (for messages).
    public func path(of name: String) -> String { fileOf[name].map { files[$0].path } ?? origin }

    public func shape(_ name: String) -> [Int]? { fileOf[name].map { files[$0].entries[name]!.shape } }

    public func tensor(_ name: String, shape: [Int]) throws -> WeightTensor {
        guard let i = fileOf[name] else { throw ModelError("\(origin): missing tensor '\(name)'") }
        let f = files[i], e = f.entries[name]!
        guard e.shape == shape else { throw ModelError("\(f.path): tensor '\(name)' has shape \(e.shape), expected \(shape)") }
        used.insert(name)
        switch e.dtype {
        case "F32": return try f.tensor(name)
        case "BF16", "F16":
            guard let raw = f.rawBytes(name) else { throw ModelError("\(f.path): missing tensor '\(name)'") }
            let t = WeightTensor(converting: raw, dtype: e.dtype, shape: shape)
            convertedFloats += t.count
            return t
        default:
            throw ModelError("\(f.path): tensor '\(name)' has dtype \(e.dtype) (supported: F32, BF16, F16)")
        }
    }

    /// Fails naming the tensors no loader asked for, except names matching `allowed`
    /// (each a pattern where `*` stands for one dot-free name component, e.g. a layer number).
    public func checkAllUsed(allowing allowed: [String]) throws {
        let unused = fileOf.keys.filter { n in !used.contains(n) && !allowed.contains { Self.matches(n, $0) } }.sorted()
        guard unused.isEmpty else {
            let shown = unused.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            throw ModelError("\(path(of: unused[0])): \(unused.count) tensor(s) not used by the model: \(shown)\(unused.count > 5 ? ", ..." : "")")
        }
    }

    static func matches(_ name: String, _ pattern: String) -> Bool {
        let n = name.split(separator: ".", omittingEmptySubsequences: false)
        let p = pattern.split(separator: ".", omittingEmptySubsequences: false)
        guard n.count == p.count else { return false }
        return zip(n, p).allSatisfy { $1 == "*" || $0 == $1 }
    }
}

extension WeightTensor {
    /// Converts BF16 / F16 little-endian data to owned float32.
    init(converting raw: UnsafeRawBufferPointer, dtype: String, shape: [Int]) {
        let n = raw.count / 2
        let store = OwnedFloats(count: n)
        let out = store.pointer
        if dtype == "BF16" {
            for i in 0..<n { out[i] = Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) << 16) }
        } else {
            for i in 0..<n { out[i] = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian)) }
        }
        self.init(pointer: UnsafePointer(out), shape: shape, owner: store)
    }
}
