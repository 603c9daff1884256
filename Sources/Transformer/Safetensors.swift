import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A float32 weight tensor: a pointer into memory owned by `owner` (an mmap'ed
/// safetensors file or a converted copy), plus its shape.
public struct WeightTensor: @unchecked Sendable {
    public let pointer: UnsafePointer<Float>
    public let shape: [Int]
    let owner: AnyObject
    public var count: Int { shape.reduce(1, *) }
    public subscript(i: Int) -> Float { pointer[i] }
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Copies `values` into freshly owned storage.
    public init(copying values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "shape/value count mismatch")
        let store = OwnedFloats(values)
        self.pointer = UnsafePointer(store.pointer)
        self.shape = shape
        self.owner = store
    }

    init(pointer: UnsafePointer<Float>, shape: [Int], owner: AnyObject) {
        self.pointer = pointer; self.shape = shape; self.owner = owner
    }
}

/// Heap storage that never moves, so `WeightTensor` pointers stay valid.
final class OwnedFloats {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    init(_ values: [Float]) {
        count = values.count
        pointer = .allocate(capacity: max(count, 1))
        values.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: count) }
    }
    deinit { pointer.deallocate() }
}

/// Something that hands out named weight tensors with a checked shape.
public protocol TensorSource {
    /// Where the tensors come from, for error messages.
    var origin: String { get }
    func tensor(_ name: String, shape: [Int]) throws -> WeightTensor
    func contains(_ name: String) -> Bool
}

/// A memory-mapped `.safetensors` file. Tensor data are never copied: each
/// `WeightTensor` points into the mapping, which lives as long as any tensor.
public final class SafetensorsFile: TensorSource, @unchecked Sendable {
    public struct Entry: Sendable { public let dtype: String; public let shape: [Int]; public let start: Int; public let end: Int }

    public let path: String
    public let entries: [String: Entry]
    public let metadata: [String: String]
    private let base: UnsafeMutableRawPointer
    private let mappedSize: Int
    private let dataOffset: Int

    public var origin: String { path }

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ModelError("\(path): cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ModelError("\(path): cannot stat") }
        let size = Int(st.st_size)
        guard size >= 8 else { throw ModelError("\(path): truncated safetensors file (\(size) bytes, no header)") }
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
            throw ModelError("\(path): mmap failed")
        }
        base = m; mappedSize = size
        let headerLen = Int(m.loadUnaligned(as: UInt64.self).littleEndian)
        guard headerLen > 0, headerLen <= size - 8, headerLen < 100_000_000 else {
            munmap(m, size)
            throw ModelError("\(path): corrupt safetensors header length \(headerLen) (file has \(size) bytes)")
        }
        dataOffset = 8 + headerLen
        let headerData = Data(bytes: m + 8, count: headerLen)
        guard let obj = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            munmap(m, size)
            throw ModelError("\(path): corrupt safetensors header (not a JSON object)")
        }
        var entries: [String: Entry] = [:]
        var meta: [String: String] = [:]
        let dataSize = size - dataOffset
        for (name, value) in obj {
            if name == "__metadata__" {
                for (k, v) in (value as? [String: Any]) ?? [:] { meta[k] = "\(v)" }
                continue
            }
            guard let d = value as? [String: Any], let dtype = d["dtype"] as? String,
                  let shape = (d["shape"] as? [NSNumber])?.map({ $0.intValue }),
                  let offs = (d["data_offsets"] as? [NSNumber])?.map({ $0.intValue }), offs.count == 2 else {
                munmap(m, size)
                throw ModelError("\(path): tensor '\(name)': malformed header entry")
            }
            let elem = Self.elementSize(dtype)
            let count = shape.reduce(1, *)
            guard offs[0] >= 0, offs[1] >= offs[0], offs[1] <= dataSize, shape.allSatisfy({ $0 >= 0 }) else {
                munmap(m, size)
                throw ModelError("\(path): tensor '\(name)': data offsets \(offs) lie outside the file's \(dataSize) data bytes (truncated or corrupt file)")
            }
            if let elem, offs[1] - offs[0] != count * elem {
                munmap(m, size)
                throw ModelError("\(path): tensor '\(name)': header says \(offs[1] - offs[0]) bytes but shape \(shape) of \(dtype) needs \(count * elem)")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, start: offs[0], end: offs[1])
        }
        self.entries = entries
        self.metadata = meta
    }

    deinit { munmap(base, mappedSize) }

    static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64", "U64": return 8
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "I8", "U8", "BOOL": return 1
        default: return nil
        }
    }

    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The raw bytes of a tensor (any dtype), for readers of non-weight files.
    public func rawBytes(_ name: String) -> UnsafeRawBufferPointer? {
        guard let e = entries[name] else { return nil }
        return UnsafeRawBufferPointer(start: base + dataOffset + e.start, count: e.end - e.start)
    }

    /// A float32 tensor, checked against the expected shape. Data stay in the
    /// mapping unless they are misaligned, in which case they are copied.
    public func tensor(_ name: String, shape: [Int]) throws -> WeightTensor {
        guard let e = entries[name] else { throw ModelError("\(path): missing tensor '\(name)'") }
        guard e.dtype == "F32" else { throw ModelError("\(path): tensor '\(name)' has dtype \(e.dtype), expected F32") }
        guard e.shape == shape else {
            throw ModelError("\(path): tensor '\(name)' has shape \(e.shape), expected \(shape)")
        }
        return try tensor(name)
    }

    /// A float32 tensor of whatever shape the file declares.
    public func tensor(_ name: String) throws -> WeightTensor {
        guard let e = entries[name] else { throw ModelError("\(path): missing tensor '\(name)'") }
        guard e.dtype == "F32" else { throw ModelError("\(path): tensor '\(name)' has dtype \(e.dtype), expected F32") }
        let raw = base + dataOffset + e.start
        if Int(bitPattern: raw) % MemoryLayout<Float>.alignment == 0 {
            return WeightTensor(pointer: UnsafePointer(raw.assumingMemoryBound(to: Float.self)), shape: e.shape, owner: self)
        }
        let n = e.shape.reduce(1, *)
        var copy = [Float](repeating: 0, count: n)
        copy.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: n * 4)) }
        return WeightTensor(copying: copy, shape: e.shape)
    }
}

/// Writes float32 tensors as a `.safetensors` file (used by tests and tools).
public func writeSafetensors(_ tensors: [(String, [Int], [Float])], to path: String, metadata: [String: String] = [:]) throws {
    var header: [String: Any] = [:]
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var offset = 0
    for (name, shape, values) in tensors {
        header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [offset, offset + values.count * 4]]
        offset += values.count * 4
    }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    while json.count % 8 != 0 { json.append(0x20) }
    var out = Data()
    var len = UInt64(json.count).littleEndian
    withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
    out.append(json)
    for (_, _, values) in tensors { values.withUnsafeBytes { out.append(contentsOf: $0) } }
    guard FileManager.default.createFile(atPath: path, contents: out) else {
        throw ModelError("\(path): cannot write safetensors file")
    }
}
