import CHDF5
import Foundation

/// How a list of strings is stored.
public enum HDF5StringEncoding: Sendable {
    /// One heap object per string; right for strings of very different
    /// lengths. Not checksummed (HDF5 allows no filters on these), and
    /// HDF5 1.10 may crash on a corrupted heap: avoid for untrusted files.
    case variableLength
    /// Every string padded to the longest; fully covered by the dataset's
    /// checksum, compact when lengths are similar (edge names).
    case fixedLength
}

/// Building and decoding HDF5 string types. Strings are UTF-8; embedded NUL
/// bytes are refused on write because HDF5 C strings would cut them short.
enum HDF5StringType {
    /// A variable-length UTF-8 string type; the caller closes it.
    static func variableLength(charset: H5T_cset_t = H5T_CSET_UTF8) -> hid_t {
        let type = H5Tcopy(acdc_h5t_c_s1())
        guard type >= 0 else { return -1 }
        guard H5Tset_size(type, acdc_h5t_variable()) >= 0, H5Tset_cset(type, charset) >= 0 else {
            H5Tclose(type)
            return -1
        }
        return type
    }

    /// A fixed-length, NUL-padded UTF-8 string type of `size` bytes (≥ 1);
    /// the caller closes it.
    static func fixedLength(size: Int) -> hid_t {
        let type = H5Tcopy(acdc_h5t_c_s1())
        guard type >= 0 else { return -1 }
        guard H5Tset_size(type, max(1, size)) >= 0,
              H5Tset_strpad(type, H5T_STR_NULLPAD) >= 0,
              H5Tset_cset(type, H5T_CSET_UTF8) >= 0 else {
            H5Tclose(type)
            return -1
        }
        return type
    }

    /// Index of the first string with a NUL byte, if any.
    static func firstWithNUL(_ strings: [String]) -> Int? {
        strings.firstIndex { $0.utf8.contains(0) }
    }

    /// Splits `count` fixed-size records into strings. NUL ends a string for
    /// null-terminated and null-padded types; trailing spaces are padding for
    /// space-padded ones (as Fortran writers produce).
    static func decodeFixed(_ bytes: UnsafeRawBufferPointer, count: Int, size: Int, spacePadded: Bool) -> [String] {
        (0..<count).map { index in
            let record = UnsafeRawBufferPointer(rebasing: bytes[(index * size)..<((index + 1) * size)])
            var end = record.firstIndex(of: 0) ?? size
            if spacePadded {
                while end > 0 && record[end - 1] == UInt8(ascii: " ") { end -= 1 }
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: record[0..<end]), as: UTF8.self)
        }
    }

    /// Writes `strings` as a list of C strings that live for `body`.
    static func withCStringPointers<R>(_ strings: [String],
                                       _ body: ([UnsafePointer<CChar>?]) throws -> R) rethrows -> R {
        // strdup keeps each buffer alive across the whole call, which
        // String.withCString nesting could not do for an array.
        let copies = strings.map { UnsafePointer(strdup($0)) }
        defer { copies.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
        return try body(copies)
    }
}
