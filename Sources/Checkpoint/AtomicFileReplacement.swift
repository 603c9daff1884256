import Foundation

/// Replacing a file so that a crash at any moment leaves either the old or
/// the new complete file: write elsewhere in the same directory, make it
/// durable, rename over the target (atomic within one file system), then make
/// the rename itself durable by syncing the directory.
enum AtomicFileReplacement {
    /// `<target>.tmp-<pid>`: same directory (so rename stays atomic) and
    /// unique per process. One process writes a given checkpoint serially.
    static func temporaryPath(for target: String) -> String {
        "\(target).tmp-\(getpid())"
    }

    /// Durably moves the finished, closed `temporary` over `target`.
    static func commit(_ temporary: String, over target: String) throws {
        try fsyncPath(temporary, reportAs: temporary)
        guard rename(temporary, target) == 0 else {
            throw CheckpointError(path: target, "cannot rename \(temporary) into place (\(lastErrno()))")
        }
        try fsyncPath(directory(of: target), reportAs: target)
    }

    /// Best-effort removal of a temporary after a failure.
    static func discard(_ temporary: String) {
        _ = unlink(temporary)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    private static func fsyncPath(_ path: String, reportAs owner: String) throws {
        // O_RDONLY works for both files and directories on Linux and macOS.
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw CheckpointError(path: owner, "cannot open \(path) to sync (\(lastErrno()))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw CheckpointError(path: owner, "fsync of \(path) failed (\(lastErrno()))") }
    }

    private static func lastErrno() -> String { String(cString: strerror(errno)) }
}
