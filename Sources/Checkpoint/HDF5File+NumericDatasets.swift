import CHDF5

/// A dataset read back: row-major `values` of `shape` (rank 1 or 2).
public struct HDF5Array<Element> {
    public var shape: [Int]
    public var values: [Element]

    public init(shape: [Int], values: [Element]) {
        self.shape = shape
        self.values = values
    }
}

extension HDF5Array: Equatable where Element: Equatable {}
extension HDF5Array: Sendable where Element: Sendable {}

/// 1-D and 2-D numeric datasets.
extension HDF5File {
    /// Writes a 1-D dataset, replacing any existing one of that name.
    public func write<T: HDF5Numeric>(_ values: [T], to name: String) throws {
        try write(values, shape: [values.count], to: name)
    }

    /// Writes a row-major dataset of `shape` (rank 1 or 2).
    public func write<T: HDF5Numeric>(_ values: [T], shape: [Int], to name: String) throws {
        let kind = T.hdf5Kind
        try checkLayout(T.self)
        guard shape.reduce(1, { $0 &* $1 }) == values.count, shape.allSatisfy({ $0 >= 0 }) else {
            throw CheckpointError(path: path, "dataset '\(name)': \(values.count) values do not fill shape \(shape)")
        }
        let dataset = try createDataset(name, fileType: kind.fileType, dims: shape, elementSize: kind.byteSize)
        defer { H5Dclose(dataset) }
        if values.isEmpty { return }
        let status = values.withUnsafeBytes { bytes in
            H5Dwrite(dataset, kind.memoryType, acdc_h5s_all(), acdc_h5s_all(), acdc_h5p_default(), bytes.baseAddress)
        }
        guard status >= 0 else { throw failure("cannot write dataset '\(name)'") }
    }

    /// Reads a rank-1 or rank-2 dataset. The stored type must convert to `T`
    /// without loss (e.g. int32 reads as Int64, float64 never as Float).
    public func read<T: HDF5Numeric>(_ type: T.Type = T.self, from name: String) throws -> HDF5Array<T> {
        try readArray(T.self, from: name, ranks: 1...2)
    }

    /// Reads a dataset that must be 1-D.
    public func readVector<T: HDF5Numeric>(_ type: T.Type = T.self, from name: String) throws -> [T] {
        try readArray(T.self, from: name, ranks: 1...1).values
    }

    private func readArray<T: HDF5Numeric>(_: T.Type, from name: String, ranks: ClosedRange<Int>) throws -> HDF5Array<T> {
        let kind = T.hdf5Kind
        try checkLayout(T.self)
        let dataset = try openDataset(name)
        defer { H5Dclose(dataset) }

        let fileType = H5Dget_type(dataset)
        guard fileType >= 0 else { throw failure("cannot read the type of '\(name)'") }
        let stored = HDF5StoredType(fileType)
        H5Tclose(fileType)
        guard stored.canBeRead(as: kind) else {
            throw CheckpointError(path: path, "dataset '\(name)' holds \(stored.name), expected \(kind.rawValue)")
        }

        let dims = try datasetDims(dataset, name: name, ranks: ranks)
        let count = try elementCount(dims, dataset: dataset, name: name, minimumStoredBytes: stored.byteSize)
        if count == 0 { return HDF5Array(shape: dims, values: []) }

        var status: herr_t = -1
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Zero first so a failed read never exposes uninitialized memory.
            UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
            status = H5Dread(dataset, kind.memoryType, acdc_h5s_all(), acdc_h5s_all(), acdc_h5p_default(),
                             buffer.baseAddress)
            initialized = count
        }
        guard status >= 0 else { throw failure("cannot read dataset '\(name)'") }
        return HDF5Array(shape: dims, values: values)
    }

    private func checkLayout<T: HDF5Numeric>(_: T.Type) throws {
        guard MemoryLayout<T>.stride == T.hdf5Kind.byteSize else {
            throw CheckpointError(path: path, "\(T.self) is not a supported HDF5 element type")
        }
    }
}
