import CHDF5

/// The numeric element types `HDF5File` reads and writes.
public enum HDF5NumericKind: String, Sendable, CaseIterable {
    case float32, float64, int32, int64, uint8
}

/// A Swift number that maps one-to-one onto an HDF5 numeric type. Conformed
/// by Float, Double, Int32, Int64 and UInt8; other conformances are not
/// supported (the wrapper copies raw bytes of `kind.byteSize`).
public protocol HDF5Numeric: BitwiseCopyable, Sendable {
    static var hdf5Kind: HDF5NumericKind { get }
}

extension Float: HDF5Numeric { public static var hdf5Kind: HDF5NumericKind { .float32 } }
extension Double: HDF5Numeric { public static var hdf5Kind: HDF5NumericKind { .float64 } }
extension Int32: HDF5Numeric { public static var hdf5Kind: HDF5NumericKind { .int32 } }
extension Int64: HDF5Numeric { public static var hdf5Kind: HDF5NumericKind { .int64 } }
extension UInt8: HDF5Numeric { public static var hdf5Kind: HDF5NumericKind { .uint8 } }

extension HDF5NumericKind {
    var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .uint8: return 1
        }
    }

    var isFloatingPoint: Bool { self == .float32 || self == .float64 }
    var isSigned: Bool { self != .uint8 }

    /// The in-memory type handed to H5Dread/H5Dwrite.
    var memoryType: hid_t {
        switch self {
        case .float32: return acdc_h5t_native_float()
        case .float64: return acdc_h5t_native_double()
        case .int32: return acdc_h5t_native_int32()
        case .int64: return acdc_h5t_native_int64()
        case .uint8: return acdc_h5t_native_uint8()
        }
    }

    /// The on-disk type: always little-endian so files are byte-identical
    /// whichever machine wrote them.
    var fileType: hid_t {
        switch self {
        case .float32: return acdc_h5t_ieee_f32le()
        case .float64: return acdc_h5t_ieee_f64le()
        case .int32: return acdc_h5t_std_i32le()
        case .int64: return acdc_h5t_std_i64le()
        case .uint8: return acdc_h5t_std_u8le()
        }
    }
}

/// What a stored HDF5 type is, in words, and whether it can be read as a
/// given kind without losing information. Reads refuse narrowing or
/// class-changing conversions (HDF5 would silently clip or round them).
struct HDF5StoredType {
    let typeClass: H5T_class_t
    let byteSize: Int
    let isSigned: Bool

    init(_ type: hid_t) {
        typeClass = H5Tget_class(type)
        byteSize = Int(H5Tget_size(type))
        isSigned = typeClass == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_2
    }

    var name: String {
        switch typeClass {
        case H5T_FLOAT: return "float\(byteSize * 8)"
        case H5T_INTEGER: return "\(isSigned ? "int" : "uint")\(byteSize * 8)"
        case H5T_STRING: return "string"
        case H5T_COMPOUND: return "compound"
        case H5T_ENUM: return "enum"
        case H5T_ARRAY: return "array"
        case H5T_VLEN: return "variable-length sequence"
        default: return "an unsupported type"
        }
    }

    func canBeRead(as kind: HDF5NumericKind) -> Bool {
        if kind.isFloatingPoint {
            return typeClass == H5T_FLOAT && byteSize <= kind.byteSize
        }
        guard typeClass == H5T_INTEGER else { return false }
        if kind.isSigned {
            return isSigned ? byteSize <= kind.byteSize : byteSize < kind.byteSize
        }
        return !isSigned && byteSize <= kind.byteSize
    }
}
