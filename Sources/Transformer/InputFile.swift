import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Opening untrusted input files: only regular files are read. A FIFO would
/// block `open` until a writer appears and a device such as /dev/zero never
/// ends, so both are refused before a single byte is read; `O_NONBLOCK` keeps
/// the open itself from waiting on a FIFO.
public enum InputFile {
    /// An open descriptor of a regular file and its size; the caller closes it.
    public static func openRegular(_ path: String, what: String) throws -> (fd: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw ModelError("\(path): cannot open \(what) (\(String(cString: strerror(errno))))") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw ModelError("\(path): cannot stat \(what)")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw ModelError("\(path): \(what) is not a regular file (\(kind(st.st_mode)))")
        }
        return (fd, Int(st.st_size))
    }

    /// The whole contents of a regular file of at most `maxBytes`.
    public static func read(_ path: String, what: String, maxBytes: Int = 1 << 30) throws -> [UInt8] {
        let (fd, size) = try openRegular(path, what: what)
        defer { close(fd) }
        guard size <= maxBytes else { throw ModelError("\(path): \(what) is too large (\(size) bytes)") }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, size - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ModelError("\(path): cannot read \(what) (\(n < 0 ? String(cString: strerror(errno)) : "file shrank while reading"))") }
            done += n
        }
        return bytes
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a plain file"
        }
    }
}
