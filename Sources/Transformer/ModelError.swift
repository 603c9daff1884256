/// A load or input error, always one line naming the file (or input) and the problem.
public struct ModelError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
