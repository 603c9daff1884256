import CHDF5
import Foundation

/// One open HDF5 file. The API takes and returns plain Swift values (arrays,
/// strings, numbers); no HDF5 id ever escapes, and every id opened inside a
/// call is closed before the call returns. The file itself is closed by
/// `close()` (which reports errors) or, as a fallback, when the object dies.
///
/// Object paths are relative to the root ("edges/present"); "/" is the root.
/// Every failure throws `CheckpointError` naming `path`.
public final class HDF5File {
    public enum Mode: Sendable { case readOnly, readWrite }

    /// The path as given by the caller; used verbatim in error messages.
    public let path: String
    public let mode: Mode
    /// -1 once closed.
    private(set) var fileID: hid_t

    private init(path: String, mode: Mode, fileID: hid_t) {
        self.path = path
        self.mode = mode
        self.fileID = fileID
    }

    deinit {
        if fileID >= 0 {
            HDF5Diagnostics.silenceThisThread()
            _ = H5Fclose(fileID)
        }
    }

    /// Creates `path`, replacing any existing file.
    public static func create(_ path: String) throws -> HDF5File {
        HDF5Diagnostics.silenceThisThread()
        let access = try makeFileAccessList(path: path)
        defer { H5Pclose(access) }
        // Pin the 1.10 file format (readable by HDF5 >= 1.10): unlike the 1.8
        // defaults, all its metadata (object headers, chunk indexes) carries
        // checksums, so damaged metadata fails loudly instead of being misread.
        guard H5Pset_libver_bounds(access, H5F_LIBVER_V110, H5F_LIBVER_V110) >= 0 else {
            throw failure(path, "cannot configure file format")
        }
        let id = H5Fcreate(path, acdc_h5f_acc_trunc(), acdc_h5p_default(), access)
        guard id >= 0 else { throw failure(path, "cannot create HDF5 file") }
        return HDF5File(path: path, mode: .readWrite, fileID: id)
    }

    /// Opens an existing file. Missing, empty, foreign and truncated files
    /// are told apart in the error message.
    public static func open(_ path: String, mode: Mode = .readOnly) throws -> HDF5File {
        HDF5Diagnostics.silenceThisThread()
        try checkLooksLikeHDF5(path)
        let access = try makeFileAccessList(path: path)
        defer { H5Pclose(access) }
        let flags = mode == .readOnly ? acdc_h5f_acc_rdonly() : acdc_h5f_acc_rdwr()
        let id = H5Fopen(path, flags, access)
        guard id >= 0 else { throw failure(path, "not an HDF5 file or truncated") }
        return HDF5File(path: path, mode: mode, fileID: id)
    }

    /// Pushes everything written so far to the operating system.
    public func flush() throws {
        let id = try openFileID()
        guard H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0 else { throw failure("flush failed") }
    }

    /// Closes the file; later calls throw. Closing twice is harmless.
    public func close() throws {
        guard fileID >= 0 else { return }
        HDF5Diagnostics.silenceThisThread()
        let status = H5Fclose(fileID)
        fileID = -1
        guard status >= 0 else { throw failure("close failed") }
    }

    // MARK: - Names

    /// Whether an object (group or dataset) exists at `objectPath`. Checks
    /// each component, because HDF5 errors out on a missing intermediate.
    public func exists(_ objectPath: String) -> Bool {
        guard let id = try? openFileID() else { return false }
        let parts = components(objectPath)
        if parts.isEmpty { return true }
        var prefix = ""
        for part in parts {
            prefix += prefix.isEmpty ? part : "/" + part
            if H5Lexists(id, prefix, acdc_h5p_default()) <= 0 { return false }
        }
        return true
    }

    /// Creates a group (and any missing parents); an existing group is kept.
    public func createGroup(_ groupPath: String) throws {
        let id = try openFileID()
        if exists(groupPath) { return }
        let links = try makeLinkCreationList()
        defer { H5Pclose(links) }
        let group = H5Gcreate2(id, groupPath, links, acdc_h5p_default(), acdc_h5p_default())
        guard group >= 0 else { throw failure("cannot create group '\(groupPath)'") }
        H5Gclose(group)
    }

    /// Unlinks a group or dataset (used to replace datasets in place).
    public func remove(_ objectPath: String) throws {
        let id = try openFileID()
        guard exists(objectPath) else { throw CheckpointError(path: path, "'\(objectPath)' missing") }
        guard H5Ldelete(id, objectPath, acdc_h5p_default()) >= 0 else {
            throw failure("cannot remove '\(objectPath)'")
        }
    }

    // MARK: - Shared plumbing for the extensions

    /// The open file id, with the calling thread silenced.
    func openFileID() throws -> hid_t {
        HDF5Diagnostics.silenceThisThread()
        guard fileID >= 0 else { throw CheckpointError(path: path, "file already closed") }
        return fileID
    }

    func requireWritable() throws {
        guard mode == .readWrite else { throw CheckpointError(path: path, "file opened read-only") }
    }

    /// A `CheckpointError` for this file, with HDF5's own explanation appended.
    func failure(_ what: String) -> CheckpointError {
        HDF5File.failure(path, what)
    }

    static func failure(_ path: String, _ what: String) -> CheckpointError {
        if let detail = HDF5Diagnostics.takeInnermostMessage() {
            return CheckpointError(path: path, "\(what) (\(detail))")
        }
        return CheckpointError(path: path, what)
    }

    /// Link-creation properties that create intermediate groups, so
    /// "edges/present" can be written without creating "edges" first.
    func makeLinkCreationList() throws -> hid_t {
        let list = H5Pcreate(acdc_h5p_link_create())
        guard list >= 0, H5Pset_create_intermediate_group(list, 1) >= 0 else {
            if list >= 0 { H5Pclose(list) }
            throw failure("cannot create link properties")
        }
        return list
    }

    private func components(_ objectPath: String) -> [String] {
        objectPath.split(separator: "/").map(String.init)
    }

    /// File access with "strong" close: H5Fclose closes every object still
    /// open in the file, so the file is really shut before it is renamed.
    private static func makeFileAccessList(path: String) throws -> hid_t {
        let list = H5Pcreate(acdc_h5p_file_access())
        guard list >= 0, H5Pset_fclose_degree(list, H5F_CLOSE_STRONG) >= 0 else {
            if list >= 0 { H5Pclose(list) }
            throw failure(path, "cannot create file access properties")
        }
        return list
    }

    /// Cheap checks before HDF5 sees the file, for clearer messages.
    private static func checkLooksLikeHDF5(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CheckpointError(path: path, "cannot open (\(String(cString: strerror(errno))))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw CheckpointError(path: path, "is a directory") }
        if info.st_size == 0 { throw CheckpointError(path: path, "empty file (0 bytes), not an HDF5 file") }
    }
}
