import Foundation

/// Content identity for experiments and models: a 16-hex-digit string from
/// `FingerprintHasher`, stable across runs, processes and platforms. A
/// checkpoint stores the fingerprints of the experiment and model it was
/// computed from, so a resume can refuse inputs that changed underneath it.
public enum Fingerprint {
    /// Bytes read per `read(2)` when hashing a file; a multiple of the block
    /// size, big enough that syscall overhead vanishes.
    private static let fileChunkSize = 4 << 20

    /// Fingerprint of in-memory bytes (`[UInt8]`, `Data`, ...).
    public static func of<Bytes: ContiguousBytes>(bytes: Bytes) -> String {
        var hasher = FingerprintHasher()
        bytes.withUnsafeBytes { hasher.update($0) }
        return hasher.hexDigest()
    }

    /// Fingerprint of a string's UTF-8 bytes.
    public static func of(string: String) -> String {
        of(bytes: Array(string.utf8))
    }

    /// Fingerprint of a file's contents, streamed in chunks (constant memory
    /// for multi-GB weight files). Equals `of(bytes:)` of the same content.
    public static func of(file path: String) throws -> String {
        // Non-blocking open and a regular-file check: a FIFO would block the
        // open and a device like /dev/zero never ends.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CheckpointError(path: path, "cannot open for fingerprinting (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointError(path: path, "not a regular file; refusing to read it")
        }
        #if os(Linux)
        _ = posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: fileChunkSize, alignment: 64)
        defer { buffer.deallocate() }
        var hasher = FingerprintHasher()
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw CheckpointError(path: path, "read failed while fingerprinting (\(String(cString: strerror(errno))))")
            }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return hasher.hexDigest()
    }
}
