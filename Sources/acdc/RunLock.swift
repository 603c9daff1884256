import ACDC
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One writer per run directory: `run` and `resume` hold an exclusive `flock`
/// on RUN_DIR/.lock for their whole life, so a second process on the same
/// directory stops at once instead of interleaving its checkpoints and result
/// with the first one's. The kernel drops the lock when the holder exits,
/// however it dies (SIGKILL included), so a stale lock file never blocks.
/// The file holds the holder's pid, for the message.
final class RunLock {
    static let fileName = ".lock"
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Takes the lock of `directory` (which must exist) or throws
    /// "RUN_DIR is in use by process PID".
    static func acquire(_ directory: String) throws -> RunLock {
        let path = (directory as NSString).appendingPathComponent(fileName)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            throw ACDCError("\(path): cannot open the run directory's lock file (\(String(cString: strerror(errno))))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let holder = holderPID(fd)
            close(fd)
            if busy { throw ACDCError("\(directory) is in use by process \(holder.map(String.init) ?? "(unknown)")") }
            throw ACDCError("\(path): cannot lock (\(String(cString: strerror(errno))))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return RunLock(fd: fd)
    }

    /// The pid of the process holding `directory`'s lock, nil when nobody does.
    static func holder(of directory: String) -> Int32? {
        let path = (directory as NSString).appendingPathComponent(fileName)
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // A shared lock is refused exactly while someone holds the exclusive one.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 { flock(fd, LOCK_UN); return nil }
        return holderPID(fd) ?? -1
    }

    private static func holderPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
