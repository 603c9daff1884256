import Foundation

/// The `acdc` binary of this build, for tests that run it as a user would:
/// `$ACDC_EXECUTABLE` if set, else beside the test bundle in the build
/// products directory (`swift test` builds every product there), else
/// `.build/debug/acdc` of the repository. nil when none exists.
public let acdcExecutable: String? = acdcExecutableCandidates.first { FileManager.default.isExecutableFile(atPath: $0) }

/// Where `acdcExecutable` looks, in order (for error messages).
public let acdcExecutableCandidates: [String] = {
    var candidates: [String] = []
    if let env = ProcessInfo.processInfo.environment["ACDC_EXECUTABLE"] { candidates.append(env) }
    // Linux: the test bundle is an executable `….xctest` in the products
    // directory; macOS: a `….xctest` bundle directory there.
    func beside(_ path: String) -> String {
        ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("acdc")
    }
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        candidates.append(beside(bundle.bundlePath))
    }
    if let main = Bundle.main.executablePath { candidates.append(beside(main)) }
    for arg in CommandLine.arguments.prefix(3) where arg.hasSuffix(".xctest") { candidates.append(beside(arg)) }
    candidates.append(repoRoot + "/.build/debug/acdc")
    return candidates
}()
