import Foundation
import XCTest
import TestSupport

/// Runs the built `acdc` executable as a child process, as a user would.
enum ACDCProcess {
    static func fixture(_ path: String) -> String { TestSupport.fixture(path) }

    static var executable: String? { acdcExecutable }

    struct Outcome: CustomStringConvertible {
        let status: Int32
        /// The process ended by a signal (a crash, a trap or SIGKILL) rather than an exit.
        let signaled: Bool
        let stdout: String
        let stderr: String

        var exitedCleanly: Bool { !signaled && status == 0 }
        var killed: Bool { signaled && status == SIGKILL }
        var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
        var description: String { "\(signaled ? "signal" : "exit") \(status); stdout: \(stdout); stderr: \(stderr)" }
    }

    /// Runs `acdc args…` in the repository root to completion. Output goes
    /// through files, so a chatty process can never block on a full pipe.
    static func run(_ args: [String], stdin: String? = nil,
                    file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        guard let exe = executable else {
            XCTFail("acdc executable not found beside the test bundle or in .build/debug; "
                    + "build it with `swift build` or set ACDC_EXECUTABLE", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let dir = NSTemporaryDirectory() + "acdc-e2e-out-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outPath = dir + "/stdout", errPath = dir + "/stderr"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = args
        process.currentDirectoryURL = URL(fileURLWithPath: repoRoot)
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let inPath = dir + "/stdin"
            _ = FileManager.default.createFile(atPath: inPath, contents: Data(stdin.utf8))
            process.standardInput = FileHandle(forReadingAtPath: inPath)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let text = { (p: String) in String(decoding: FileManager.default.contents(atPath: p) ?? Data(), as: UTF8.self) }
        return Outcome(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                       stdout: text(outPath), stderr: text(errPath))
    }

    /// Asserts a refusal: a normal non-zero exit (no signal, so no crash or
    /// trap) with exactly one line on stderr, which contains every `needle`.
    static func assertRefused(_ outcome: Outcome, mentioning needles: [String],
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(outcome.signaled, "crashed: \(outcome)", file: file, line: line)
        XCTAssertNotEqual(outcome.status, 0, "should have failed: \(outcome)", file: file, line: line)
        XCTAssertEqual(outcome.stderrLines.count, 1, "want a one-line error: \(outcome)", file: file, line: line)
        for needle in needles {
            XCTAssertTrue(outcome.stderr.contains(needle), "error should mention '\(needle)': \(outcome)", file: file, line: line)
        }
    }
}

/// Run-directory scratch space: `ScratchDirectory` plus fixture copies.
typealias Scratch = ScratchDirectory

extension ScratchDirectory {
    func sub(_ name: String) -> String { file(name) }

    /// Copies a fixture directory (experiment + model) here, so a test may change it.
    func copyFixture(_ name: String) throws -> String {
        let target = sub(name)
        try FileManager.default.copyItem(atPath: ACDCProcess.fixture(name), toPath: target)
        return target
    }
}

