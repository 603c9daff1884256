import Foundation

/// Every failure of the checkpoint layer: one line that names the file and
/// what went wrong, e.g. `run/checkpoint.h5: dataset 'edges/present' missing`.
/// A resumable run must never crash on a bad checkpoint, so HDF5 failures,
/// I/O failures and inconsistent contents all end up here.
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable, LocalizedError {
    public let message: String

    public init(_ message: String) {
        // Keep the promise of one line even when a detail (an HDF5 message,
        // a string from the file) carries line breaks.
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// `"<path>: <problem>"`.
    public init(path: String, _ problem: String) {
        self.init("\(path): \(problem)")
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}
