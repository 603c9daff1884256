/// A failure to load a tokenizer vocabulary.
///
/// Loading never traps: every problem with the files on disk (missing file, malformed JSON,
/// a bad merges line, a merge that refers to an unknown token) surfaces as one of these,
/// and `description` is always a single line that starts with the offending file's path so
/// a CLI can print it verbatim.
public struct TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file or directory the problem is about.
    public let path: String
    /// What went wrong, without the path.
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        // Keep it to one line even if a problem text was built from file contents.
        let oneLine = problem.split(whereSeparator: \.isNewline).joined(separator: " ")
        return "\(path): \(oneLine)"
    }
}
