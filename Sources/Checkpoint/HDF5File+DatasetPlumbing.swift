import CHDF5

/// Creation, opening and shape checks shared by numeric and string datasets.
extension HDF5File {
    /// Elements per chunk aim at about 1 MiB: small enough that the Fletcher-32
    /// check of one chunk is cheap, large enough that the chunk index is tiny.
    private static let targetChunkBytes = 1 << 20

    /// Creates a dataset of `dims` (rank 1 or 2) with the given file type,
    /// replacing any object of that name. When `checksummed` (and non-empty)
    /// the dataset is chunked with a Fletcher-32 checksum, so corrupted data
    /// is a read error rather than silently wrong numbers. HDF5 refuses
    /// filters on variable-length types; those pass `checksummed: false`.
    /// The caller closes the returned id.
    func createDataset(_ name: String, fileType: hid_t, dims: [Int], elementSize: Int,
                       checksummed: Bool = true) throws -> hid_t {
        let file = try openFileID()
        try requireWritable()
        guard (1...2).contains(dims.count), dims.allSatisfy({ $0 >= 0 }) else {
            throw CheckpointError(path: path, "dataset '\(name)': unsupported shape \(dims)")
        }
        if exists(name) { try remove(name) }

        var extent = dims.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(extent.count), &extent, nil)
        guard space >= 0 else { throw failure("cannot create dataspace for '\(name)'") }
        defer { H5Sclose(space) }

        let creation = H5Pcreate(acdc_h5p_dataset_create())
        guard creation >= 0 else { throw failure("cannot create dataset properties for '\(name)'") }
        defer { H5Pclose(creation) }
        if checksummed && !dims.contains(0) {
            var chunk = chunkShape(dims: dims, elementSize: elementSize)
            guard H5Pset_chunk(creation, Int32(chunk.count), &chunk) >= 0,
                  H5Pset_fletcher32(creation) >= 0 else {
                throw failure("cannot configure chunking for '\(name)'")
            }
        }

        let links = try makeLinkCreationList()
        defer { H5Pclose(links) }
        let dataset = H5Dcreate2(file, name, fileType, space, links, creation, acdc_h5p_default())
        guard dataset >= 0 else { throw failure("cannot create dataset '\(name)'") }
        return dataset
    }

    /// Opens a dataset; "missing" is reported as such. The caller closes it.
    func openDataset(_ name: String) throws -> hid_t {
        let file = try openFileID()
        guard exists(name) else { throw CheckpointError(path: path, "dataset '\(name)' missing") }
        // H5Oopen opens whatever is there; check it is a dataset before use.
        let object = H5Oopen(file, name, acdc_h5p_default())
        guard object >= 0 else { throw failure("cannot open dataset '\(name)'") }
        guard H5Iget_type(object) == H5I_DATASET else {
            H5Oclose(object)
            throw CheckpointError(path: path, "'\(name)' is not a dataset")
        }
        return object
    }

    /// The dataset's dimensions, required to be of one of `ranks`.
    func datasetDims(_ dataset: hid_t, name: String, ranks: ClosedRange<Int>) throws -> [Int] {
        let space = H5Dget_space(dataset)
        guard space >= 0 else { throw failure("cannot read the shape of '\(name)'") }
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard ranks.contains(rank) else {
            let expected = ranks.count == 1 ? "\(ranks.lowerBound)" : "\(ranks.lowerBound)...\(ranks.upperBound)"
            throw CheckpointError(path: path, "dataset '\(name)' has rank \(rank), expected \(expected)")
        }
        var extent = [hsize_t](repeating: 0, count: rank)
        guard H5Sget_simple_extent_dims(space, &extent, nil) == rank else {
            throw failure("cannot read the shape of '\(name)'")
        }
        return extent.map { Int(clamping: $0) }
    }

    /// Number of elements in `dims`, refusing overflow and sizes the stored
    /// bytes cannot back. A corrupt header could claim 2^60 elements; this
    /// wrapper always writes every element, so storage must cover them all
    /// (at least `minimumStoredBytes` per element) before we allocate.
    func elementCount(_ dims: [Int], dataset: hid_t, name: String, minimumStoredBytes: Int) throws -> Int {
        var count = 1
        for d in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw CheckpointError(path: path, "dataset '\(name)' has an impossible shape \(dims)") }
            count = product
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: minimumStoredBytes)
        let stored = Int(clamping: H5Dget_storage_size(dataset))
        guard !overflow, stored >= needed else {
            throw CheckpointError(path: path,
                "dataset '\(name)' is truncated: \(stored) bytes stored for \(count) elements")
        }
        return count
    }

    private func chunkShape(dims: [Int], elementSize: Int) -> [hsize_t] {
        let budget = max(1, HDF5File.targetChunkBytes / max(1, elementSize))
        if dims.count == 1 { return [hsize_t(min(dims[0], budget))] }
        let columns = min(dims[1], budget)
        let rows = min(dims[0], max(1, budget / columns))
        return [hsize_t(rows), hsize_t(columns)]
    }
}
