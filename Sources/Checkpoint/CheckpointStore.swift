/// Writing and reading `RunCheckpoint`s as HDF5 files (schema: SCHEMA.md).
public enum CheckpointStore {
    /// Atomically writes `checkpoint` to `path`: readers see the old file or
    /// the complete new one, never a partial write, even across a crash.
    /// An inconsistent checkpoint is refused before anything touches disk.
    public static func write(_ checkpoint: RunCheckpoint, to path: String) throws {
        try checkpoint.validate(path: path)
        let temporary = AtomicFileReplacement.temporaryPath(for: path)
        AtomicFileReplacement.discard(temporary) // leftover of a crashed writer with our pid
        do {
            let file = try HDF5File.create(temporary)
            do {
                try CheckpointEncoding.encode(checkpoint, into: file)
                try file.flush()
            } catch {
                try? file.close()
                throw error
            }
            try file.close()
            try AtomicFileReplacement.commit(temporary, over: path)
        } catch {
            AtomicFileReplacement.discard(temporary)
            throw error
        }
    }

    /// Reads and fully validates a checkpoint. Anything missing, truncated,
    /// corrupt or inconsistent throws `CheckpointError` naming `path`.
    public static func read(from path: String) throws -> RunCheckpoint {
        let file = try HDF5File.open(path, mode: .readOnly)
        let checkpoint: RunCheckpoint
        do {
            checkpoint = try CheckpointDecoding.decode(from: file)
        } catch {
            try? file.close()
            throw error
        }
        try file.close()
        try checkpoint.validate(path: path)
        return checkpoint
    }
}
