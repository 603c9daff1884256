import ACDC

/// RunCheckpoint -> HDF5, following SCHEMA.md.
enum CheckpointEncoding {
    static func encode(_ checkpoint: RunCheckpoint, into file: HDF5File) throws {
        typealias S = CheckpointSchema
        let state = checkpoint.state

        try file.setAttribute(S.Root.kind, to: S.kindValue)
        try file.setAttribute(S.Root.formatVersion, to: Int64(checkpoint.formatVersion))
        try file.setAttribute(S.Root.experimentPath, to: checkpoint.experimentPath)
        try file.setAttribute(S.Root.experimentHash, to: checkpoint.experimentHash)
        try file.setAttribute(S.Root.modelPath, to: checkpoint.modelPath)
        try file.setAttribute(S.Root.modelHash, to: checkpoint.modelHash)
        try file.setAttribute(S.Root.nodeCount, to: Int64(checkpoint.nodeCount))
        try file.setAttribute(S.Root.cursor, to: Int64(state.cursor))
        try file.setAttribute(S.Root.currentMetric, to: state.currentMetric)
        try file.setAttribute(S.Root.evaluations, to: Int64(state.evaluations))
        try file.setAttribute(S.Root.elapsedSeconds, to: checkpoint.elapsedSeconds)
        try file.setAttribute(S.Root.finished, to: flag(checkpoint.finished))

        let options = checkpoint.options
        try file.createGroup(S.Options.group)
        try file.setOptionAttributes(options, on: S.Options.group)

        try file.write(state.present.map(flag), to: S.Edges.present)
        try file.write(state.effectSize, to: S.Edges.effectSize)
        // Fixed-length strings: covered by the dataset checksum (heap strings
        // are not), and compact since edge names are similar in length.
        try file.writeStrings(checkpoint.edgeNames, to: S.Edges.names, encoding: .fixedLength)

        let trace = state.trace
        try file.write(trace.map { Int64($0.edge) }, to: S.Trace.edge)
        try file.write(trace.map(\.metricBefore), to: S.Trace.metricBefore)
        try file.write(trace.map(\.metricAfter), to: S.Trace.metricAfter)
        try file.write(trace.map(\.result), to: S.Trace.result)
        try file.write(trace.map { flag($0.removed) }, to: S.Trace.removed)

        // Sorted, so identical checkpoints give identical files. Fixed-length
        // too: variable-length strings live in HDF5's global heap, which has
        // no checksum, and HDF5 1.10 can crash reading a damaged one.
        let info = checkpoint.info.sorted { $0.key < $1.key }
        try file.writeStrings(info.map(\.key), to: S.Info.keys, encoding: .fixedLength)
        try file.writeStrings(info.map(\.value), to: S.Info.values, encoding: .fixedLength)
    }

    private static func flag(_ value: Bool) -> UInt8 { value ? 1 : 0 }
}

extension HDF5File {
    /// Every search option as an attribute of `group` (`ACDCOptions.values`,
    /// named by their keys: numbers as float64, strings, flags as uint8 0/1),
    /// for checkpoints and HDF5 exports alike.
    public func setOptionAttributes(_ options: ACDCOptions, on group: String = "/") throws {
        for (field, value) in options.values {
            switch value {
            case .number(let d): try setAttribute(field.key, to: d, on: group)
            case .string(let s): try setAttribute(field.key, to: s, on: group)
            case .flag(let b): try setAttribute(field.key, to: UInt8(b ? 1 : 0), on: group)
            }
        }
    }
}
