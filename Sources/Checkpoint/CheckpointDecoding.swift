import ACDC

/// HDF5 -> RunCheckpoint, following SCHEMA.md. Checks types and shapes of
/// what it reads; cross-field consistency is `RunCheckpoint.validate`.
enum CheckpointDecoding {
    static func decode(from file: HDF5File) throws -> RunCheckpoint {
        typealias S = CheckpointSchema
        let path = file.path

        // Identify the file before anything else, so a foreign HDF5 file
        // gets a clear message rather than "attribute missing".
        guard file.hasAttribute(S.Root.kind), try file.stringAttribute(S.Root.kind) == S.kindValue else {
            throw CheckpointError(path: path, "HDF5 file is not an ACDC checkpoint (no kind = '\(S.kindValue)')")
        }
        let version = try int(file.numericAttribute(S.Root.formatVersion, as: Int64.self), S.Root.formatVersion, file)
        guard version == RunCheckpoint.currentFormatVersion else {
            throw CheckpointError(path: path,
                "checkpoint format version \(version), this build reads version \(RunCheckpoint.currentFormatVersion)")
        }

        let options = try decodeOptions(file)

        let present = try flags(file.readVector(UInt8.self, from: S.Edges.present), S.Edges.present, file)
        let effectSize = try file.readVector(Double.self, from: S.Edges.effectSize)
        let edgeNames = try file.readStrings(from: S.Edges.names)

        let traceEdges = try file.readVector(Int64.self, from: S.Trace.edge)
        let before = try file.readVector(Double.self, from: S.Trace.metricBefore)
        let after = try file.readVector(Double.self, from: S.Trace.metricAfter)
        let result = try file.readVector(Double.self, from: S.Trace.result)
        let removed = try flags(file.readVector(UInt8.self, from: S.Trace.removed), S.Trace.removed, file)
        let traceLengths = [traceEdges.count, before.count, after.count, result.count, removed.count]
        guard Set(traceLengths).count == 1 else {
            throw CheckpointError(path: path, "inconsistent checkpoint: trace datasets have different lengths \(traceLengths)")
        }
        let trace = try traceEdges.indices.map { i in
            EdgeEvaluation(edge: try int(traceEdges[i], S.Trace.edge, file), metricBefore: before[i],
                           metricAfter: after[i], result: result[i], removed: removed[i])
        }

        let keys = try file.readStrings(from: S.Info.keys)
        let values = try file.readStrings(from: S.Info.values)
        guard keys.count == values.count else {
            throw CheckpointError(path: path, "inconsistent checkpoint: \(keys.count) info keys but \(values.count) values")
        }
        guard Set(keys).count == keys.count else {
            throw CheckpointError(path: path, "inconsistent checkpoint: duplicate info keys")
        }

        let state = ACDCState(
            present: present, effectSize: effectSize,
            cursor: try int(file.numericAttribute(S.Root.cursor, as: Int64.self), S.Root.cursor, file),
            currentMetric: try file.numericAttribute(S.Root.currentMetric, as: Double.self),
            trace: trace,
            evaluations: try int(file.numericAttribute(S.Root.evaluations, as: Int64.self), S.Root.evaluations, file))

        return RunCheckpoint(
            formatVersion: version,
            experimentPath: try file.stringAttribute(S.Root.experimentPath),
            experimentHash: try file.stringAttribute(S.Root.experimentHash),
            options: options,
            modelPath: try file.stringAttribute(S.Root.modelPath),
            modelHash: try file.stringAttribute(S.Root.modelHash),
            state: state,
            elapsedSeconds: try file.numericAttribute(S.Root.elapsedSeconds, as: Double.self),
            edgeNames: edgeNames,
            nodeCount: try int(file.numericAttribute(S.Root.nodeCount, as: Int64.self), S.Root.nodeCount, file),
            finished: try flag(file.numericAttribute(S.Root.finished, as: UInt8.self), S.Root.finished, file),
            info: Dictionary(uniqueKeysWithValues: zip(keys, values)))
    }

    private static func decodeOptions(_ file: HDF5File) throws -> ACDCOptions {
        let group = CheckpointSchema.Options.group
        return try ACDCOptions(reading: { field in
            switch field.kind {
            case .number: return .number(try file.numericAttribute(field.key, as: Double.self, on: group))
            case .string: return .string(try file.stringAttribute(field.key, on: group))
            case .flag: return .flag(try flag(file.numericAttribute(field.key, as: UInt8.self, on: group), field.key, file))
            }
        }, fail: { CheckpointError(path: file.path, "'\(group)': \($0)") })
    }

    /// Booleans are stored as uint8 0/1; anything else means corruption.
    private static func flag(_ value: UInt8, _ name: String, _ file: HDF5File) throws -> Bool {
        guard value <= 1 else { throw CheckpointError(path: file.path, "'\(name)' holds \(value), expected 0 or 1") }
        return value == 1
    }

    private static func flags(_ values: [UInt8], _ name: String, _ file: HDF5File) throws -> [Bool] {
        if let bad = values.firstIndex(where: { $0 > 1 }) {
            throw CheckpointError(path: file.path, "dataset '\(name)' holds \(values[bad]) at index \(bad), expected 0 or 1")
        }
        return values.map { $0 == 1 }
    }

    private static func int(_ value: Int64, _ name: String, _ file: HDF5File) throws -> Int {
        guard let exact = Int(exactly: value) else {
            throw CheckpointError(path: file.path, "'\(name)' value \(value) does not fit in Int")
        }
        return exact
    }
}
