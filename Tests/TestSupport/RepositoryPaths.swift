import Foundation

/// Repository root, found from this file's location (Tests/TestSupport/…), so
/// tests run from a fresh clone whatever the working directory.
public let repoRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A path under `Tests/Fixtures` (the reference cases copied into the repository).
public func fixture(_ path: String) -> String { repoRoot + "/Tests/Fixtures/" + path }
