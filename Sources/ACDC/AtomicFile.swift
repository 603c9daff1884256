import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that readers see either the old or the new content,
/// never a torn one: write a temp file beside it, fsync, rename, fsync the directory.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let tmp = "\(path).tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ACDCError("\(path): cannot write (\(String(cString: strerror(errno))))") }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n <= 0 { close(fd); unlink(tmp); throw ACDCError("\(path): write failed (\(String(cString: strerror(errno))))") }
            off += n
        }
        guard fsync(fd) == 0 else { close(fd); unlink(tmp); throw ACDCError("\(path): fsync failed") }
        close(fd)
        guard rename(tmp, path) == 0 else { unlink(tmp); throw ACDCError("\(path): rename failed (\(String(cString: strerror(errno))))") }
        syncDirectory(of: path)
    }

    public static func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

    /// fsync the directory so the rename itself survives a crash.
    public static func syncDirectory(of path: String) {
        let dir = (path as NSString).deletingLastPathComponent
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}
