import CHDF5

/// Scalar attributes (one string or one number) on the root ("/") or on a group.
extension HDF5File {
    /// Sets a string attribute, replacing an existing one.
    public func setAttribute(_ name: String, to value: String, on object: String = "/") throws {
        guard !value.utf8.contains(0) else {
            throw CheckpointError(path: path, "attribute '\(name)' on \(describe(object)): value contains a NUL byte")
        }
        let type = HDF5StringType.fixedLength(size: value.utf8.count)
        guard type >= 0 else { throw failure("cannot build a string type for attribute '\(name)'") }
        defer { H5Tclose(type) }
        let size = max(1, value.utf8.count)
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.replaceSubrange(0..<value.utf8.count, with: value.utf8)
        try writeAttribute(name, on: object, fileType: type, memoryType: type, bytes: bytes)
    }

    /// Sets a numeric attribute, replacing an existing one.
    public func setAttribute<T: HDF5Numeric>(_ name: String, to value: T, on object: String = "/") throws {
        let kind = T.hdf5Kind
        let bytes = withUnsafeBytes(of: value) { Array($0) }
        try writeAttribute(name, on: object, fileType: kind.fileType, memoryType: kind.memoryType, bytes: bytes)
    }

    /// Whether `object` carries an attribute `name`.
    public func hasAttribute(_ name: String, on object: String = "/") -> Bool {
        guard let id = try? openFileID(), exists(object) else { return false }
        return H5Aexists_by_name(id, object, name, acdc_h5p_default()) > 0
    }

    /// Reads a string attribute (fixed- or variable-length).
    public func stringAttribute(_ name: String, on object: String = "/") throws -> String {
        try withAttribute(name, on: object) { attribute, fileType in
            guard H5Tget_class(fileType) == H5T_STRING else {
                throw CheckpointError(path: path,
                    "attribute '\(name)' on \(describe(object)) holds \(HDF5StoredType(fileType).name), expected a string")
            }
            if H5Tis_variable_str(fileType) > 0 {
                let type = HDF5StringType.variableLength(charset: H5Tget_cset(fileType))
                guard type >= 0 else { throw failure("cannot build a string type for attribute '\(name)'") }
                defer { H5Tclose(type) }
                var pointer: UnsafeMutablePointer<CChar>? = nil
                let status = H5Aread(attribute, type, &pointer)
                defer { if let pointer { H5free_memory(pointer) } }
                guard status >= 0 else { throw failure("cannot read attribute '\(name)' on \(describe(object))") }
                return pointer.map { String(cString: $0) } ?? ""
            }
            let size = Int(H5Tget_size(fileType))
            let type = H5Tcopy(fileType)
            guard type >= 0 else { throw failure("cannot build a string type for attribute '\(name)'") }
            defer { H5Tclose(type) }
            var bytes = [UInt8](repeating: 0, count: size)
            guard H5Aread(attribute, type, &bytes) >= 0 else {
                throw failure("cannot read attribute '\(name)' on \(describe(object))")
            }
            let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
            return bytes.withUnsafeBytes {
                HDF5StringType.decodeFixed($0, count: 1, size: size, spacePadded: spacePadded)[0]
            }
        }
    }

    /// Reads a numeric attribute; as with datasets, only lossless conversions.
    public func numericAttribute<T: HDF5Numeric>(_ name: String, as type: T.Type = T.self,
                                                 on object: String = "/") throws -> T {
        let kind = T.hdf5Kind
        return try withAttribute(name, on: object) { attribute, fileType in
            let stored = HDF5StoredType(fileType)
            guard stored.canBeRead(as: kind) else {
                throw CheckpointError(path: path,
                    "attribute '\(name)' on \(describe(object)) holds \(stored.name), expected \(kind.rawValue)")
            }
            var bytes = [UInt8](repeating: 0, count: max(kind.byteSize, MemoryLayout<T>.size))
            guard H5Aread(attribute, kind.memoryType, &bytes) >= 0 else {
                throw failure("cannot read attribute '\(name)' on \(describe(object))")
            }
            return bytes.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
        }
    }

    // MARK: - Plumbing

    /// "the root" or "'options'", for messages.
    func describe(_ object: String) -> String {
        object.split(separator: "/").isEmpty ? "the root" : "'\(object)'"
    }

    private func openObject(_ object: String) throws -> hid_t {
        let file = try openFileID()
        guard exists(object) else { throw CheckpointError(path: path, "group '\(object)' missing") }
        let id = H5Oopen(file, object, acdc_h5p_default())
        guard id >= 0 else { throw failure("cannot open '\(object)'") }
        return id
    }

    /// Opens a scalar attribute and its stored type for `body`.
    private func withAttribute<R>(_ name: String, on object: String,
                                  _ body: (_ attribute: hid_t, _ fileType: hid_t) throws -> R) throws -> R {
        let owner = try openObject(object)
        defer { H5Oclose(owner) }
        guard H5Aexists(owner, name) > 0 else {
            throw CheckpointError(path: path, "attribute '\(name)' missing on \(describe(object))")
        }
        let attribute = H5Aopen(owner, name, acdc_h5p_default())
        guard attribute >= 0 else { throw failure("cannot open attribute '\(name)' on \(describe(object))") }
        defer { H5Aclose(attribute) }
        let space = H5Aget_space(attribute)
        guard space >= 0 else { throw failure("cannot read attribute '\(name)' on \(describe(object))") }
        let points = H5Sget_simple_extent_npoints(space)
        H5Sclose(space)
        guard points == 1 else {
            throw CheckpointError(path: path, "attribute '\(name)' on \(describe(object)) is not a single value")
        }
        let fileType = H5Aget_type(attribute)
        guard fileType >= 0 else { throw failure("cannot read the type of attribute '\(name)'") }
        defer { H5Tclose(fileType) }
        return try body(attribute, fileType)
    }

    private func writeAttribute(_ name: String, on object: String, fileType: hid_t, memoryType: hid_t,
                                bytes: [UInt8]) throws {
        try requireWritable()
        let owner = try openObject(object)
        defer { H5Oclose(owner) }
        if H5Aexists(owner, name) > 0, H5Adelete(owner, name) < 0 {
            throw failure("cannot replace attribute '\(name)' on \(describe(object))")
        }
        let space = H5Screate(H5S_SCALAR)
        guard space >= 0 else { throw failure("cannot create a scalar dataspace") }
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(owner, name, fileType, space, acdc_h5p_default(), acdc_h5p_default())
        guard attribute >= 0 else { throw failure("cannot create attribute '\(name)' on \(describe(object))") }
        defer { H5Aclose(attribute) }
        guard bytes.withUnsafeBytes({ H5Awrite(attribute, memoryType, $0.baseAddress) }) >= 0 else {
            throw failure("cannot write attribute '\(name)' on \(describe(object))")
        }
    }
}
