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
    /// Zero-filled storage of `count` floats.
    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
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
        let (fd, size) = try InputFile.openRegular(path, what: "safetensors file")
        defer { close(fd) }
        guard size >= 8 else { throw ModelError("\(path): truncated safetensors file (\(size) bytes, no header)") }
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
            throw ModelError("\(path): mmap failed")
        }
        base = m; mappedSize = size
        do {
            (dataOffset, entries, metadata) = try Self.parseHeader(UnsafeRawPointer(m), fileSize: size, path: path)
        } catch {
            munmap(m, size)
            throw error
        }
    }

    /// Validates the header against the file size: every entry must be well
    /// formed, lie inside the data section and (for known dtypes) have exactly
    /// the bytes its shape needs. All arithmetic is overflow-checked, since the
    /// numbers come from an untrusted file.
    private static func parseHeader(_ m: UnsafeRawPointer, fileSize size: Int, path: String) throws
        -> (dataOffset: Int, entries: [String: Entry], metadata: [String: String]) {
        // Compare as UInt64: a corrupt length may not fit an Int.
        let rawLen = m.loadUnaligned(as: UInt64.self).littleEndian
        guard rawLen > 0, rawLen <= UInt64(size - 8), rawLen < 100_000_000 else {
            throw ModelError("\(path): corrupt safetensors header length \(rawLen) (file has \(size) bytes)")
        }
        let headerLen = Int(rawLen)
        let dataOffset = 8 + headerLen
        let headerData = Data(bytes: m + 8, count: headerLen)
        guard let obj = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
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
                  let shape = exactInts(d["shape"]), let offs = exactInts(d["data_offsets"]), offs.count == 2 else {
                throw ModelError("\(path): tensor '\(name)': malformed header entry (needs dtype, integer shape and two integer data_offsets)")
            }
            guard shape.allSatisfy({ $0 >= 0 }), let count = checkedProduct(shape) else {
                throw ModelError("\(path): tensor '\(name)': invalid shape \(shape)")
            }
            guard offs[0] >= 0, offs[1] >= offs[0], offs[1] <= dataSize else {
                throw ModelError("\(path): tensor '\(name)': data offsets \(offs) lie outside the file's \(dataSize) data bytes (truncated or corrupt file)")
            }
            if let elem = elementSize(dtype) {
                let (bytes, overflow) = count.multipliedReportingOverflow(by: elem)
                guard !overflow, offs[1] - offs[0] == bytes else {
                    throw ModelError("\(path): tensor '\(name)': header says \(offs[1] - offs[0]) bytes but shape \(shape) of \(dtype) needs \(overflow ? "more than Int.max" : "\(bytes)")")
                }
            }
            entries[name] = Entry(dtype: dtype, shape: shape, start: offs[0], end: offs[1])
        }
        try SafetensorsLayout.validate(entries.map { .init(name: $0.key, start: $0.value.start, end: $0.value.end) },
                                       dataSize: dataSize, path: path)
        return (dataOffset, entries, meta)
    }

    /// An array of JSON numbers that are all exact integers (no 2.5, no 1e300).
    private static func exactInts(_ v: Any?) -> [Int]? {
        guard let numbers = v as? [Any] else { return nil }
        var out: [Int] = []
        for n in numbers {
            // Bridging to Int succeeds only for exactly representable integers.
            guard let i = n as? Int else { return nil }
            out.append(i)
        }
        return out
    }

    private static func checkedProduct(_ xs: [Int]) -> Int? {
        var p = 1
        for x in xs {
            let (r, o) = p.multipliedReportingOverflow(by: x)
            if o { return nil }
            p = r
        }
        return p
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
        // A repeated name would leave its first bytes uncovered: a file the reader refuses.
        guard header[name] == nil else { throw ModelError("\(path): tensor '\(name)' is given twice") }
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
