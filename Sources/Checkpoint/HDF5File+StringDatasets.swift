import CHDF5

/// 1-D datasets of strings.
extension HDF5File {
    /// Writes a list of strings, replacing any existing dataset of that name.
    public func writeStrings(_ strings: [String], to name: String,
                             encoding: HDF5StringEncoding = .variableLength) throws {
        if let bad = HDF5StringType.firstWithNUL(strings) {
            throw CheckpointError(path: path, "dataset '\(name)': string \(bad) contains a NUL byte")
        }
        switch encoding {
        case .variableLength: try writeVariableLength(strings, to: name)
        case .fixedLength: try writeFixedLength(strings, to: name)
        }
    }

    /// Reads a 1-D string dataset of either encoding.
    public func readStrings(from name: String) throws -> [String] {
        let dataset = try openDataset(name)
        defer { H5Dclose(dataset) }
        let fileType = H5Dget_type(dataset)
        guard fileType >= 0 else { throw failure("cannot read the type of '\(name)'") }
        defer { H5Tclose(fileType) }
        guard H5Tget_class(fileType) == H5T_STRING else {
            throw CheckpointError(path: path, "dataset '\(name)' holds \(HDF5StoredType(fileType).name), expected strings")
        }
        let dims = try datasetDims(dataset, name: name, ranks: 1...1)
        if H5Tis_variable_str(fileType) > 0 {
            // A stored variable-length string is a heap reference of ≥ 1 byte.
            let count = try elementCount(dims, dataset: dataset, name: name, minimumStoredBytes: 1)
            return try readVariableLength(dataset, count: count, charset: H5Tget_cset(fileType), name: name)
        }
        let size = Int(H5Tget_size(fileType))
        let count = try elementCount(dims, dataset: dataset, name: name, minimumStoredBytes: size)
        return try readFixedLength(dataset, fileType: fileType, count: count, size: size, name: name)
    }

    private func writeVariableLength(_ strings: [String], to name: String) throws {
        let type = HDF5StringType.variableLength()
        guard type >= 0 else { throw failure("cannot build a string type for '\(name)'") }
        defer { H5Tclose(type) }
        let dataset = try createDataset(name, fileType: type, dims: [strings.count],
                                        elementSize: MemoryLayout<UnsafePointer<CChar>>.size,
                                        checksummed: false)
        defer { H5Dclose(dataset) }
        if strings.isEmpty { return }
        let status = HDF5StringType.withCStringPointers(strings) { pointers in
            pointers.withUnsafeBufferPointer {
                H5Dwrite(dataset, type, acdc_h5s_all(), acdc_h5s_all(), acdc_h5p_default(), $0.baseAddress)
            }
        }
        guard status >= 0 else { throw failure("cannot write dataset '\(name)'") }
    }

    private func writeFixedLength(_ strings: [String], to name: String) throws {
        let size = max(1, strings.map(\.utf8.count).max() ?? 1)
        let type = HDF5StringType.fixedLength(size: size)
        guard type >= 0 else { throw failure("cannot build a string type for '\(name)'") }
        defer { H5Tclose(type) }
        let dataset = try createDataset(name, fileType: type, dims: [strings.count], elementSize: size)
        defer { H5Dclose(dataset) }
        if strings.isEmpty { return }
        var records = [UInt8](repeating: 0, count: strings.count * size)
        for (index, string) in strings.enumerated() {
            records.replaceSubrange((index * size)..<(index * size + string.utf8.count), with: string.utf8)
        }
        let status = records.withUnsafeBytes {
            H5Dwrite(dataset, type, acdc_h5s_all(), acdc_h5s_all(), acdc_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw failure("cannot write dataset '\(name)'") }
    }

    private func readVariableLength(_ dataset: hid_t, count: Int, charset: H5T_cset_t, name: String) throws -> [String] {
        if count == 0 { return [] }
        // Same charset as stored: HDF5 has no ASCII <-> UTF-8 conversion path.
        let type = HDF5StringType.variableLength(charset: charset)
        guard type >= 0 else { throw failure("cannot build a string type for '\(name)'") }
        defer { H5Tclose(type) }
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        let status = pointers.withUnsafeMutableBufferPointer {
            H5Dread(dataset, type, acdc_h5s_all(), acdc_h5s_all(), acdc_h5p_default(), $0.baseAddress)
        }
        // HDF5 allocated each string; hand them back even after a failed read.
        defer { pointers.forEach { if let p = $0 { H5free_memory(p) } } }
        guard status >= 0 else { throw failure("cannot read dataset '\(name)'") }
        return pointers.map { $0.map { String(cString: $0) } ?? "" }
    }

    private func readFixedLength(_ dataset: hid_t, fileType: hid_t, count: Int, size: Int, name: String) throws -> [String] {
        if count == 0 { return [] }
        // Reading with a copy of the stored type means no conversion at all.
        let type = H5Tcopy(fileType)
        guard type >= 0 else { throw failure("cannot build a string type for '\(name)'") }
        defer { H5Tclose(type) }
        var records = [UInt8](repeating: 0, count: count * size)
        let status = records.withUnsafeMutableBytes {
            H5Dread(dataset, type, acdc_h5s_all(), acdc_h5s_all(), acdc_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw failure("cannot read dataset '\(name)'") }
        let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
        return records.withUnsafeBytes {
            HDF5StringType.decodeFixed($0, count: count, size: size, spacePadded: spacePadded)
        }
    }
}
