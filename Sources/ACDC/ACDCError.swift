/// A user-facing error: one line naming the file or option and the problem.
public struct ACDCError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
