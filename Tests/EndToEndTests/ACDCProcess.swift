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
        /// Killed by the caller's timeout (a hang).
        var timedOut = false

        var exitedCleanly: Bool { !signaled && status == 0 }
        var killed: Bool { signaled && status == SIGKILL }
        var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
        var description: String { "\(signaled ? "signal" : "exit") \(status); stdout: \(stdout); stderr: \(stderr)" }
    }

    /// Runs `acdc args…` in the repository root to completion. Output goes
    /// through files, so a chatty process can never block on a full pipe.
    static func run(_ args: [String], stdin: String? = nil,
                    file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        try run(args, directory: repoRoot, stdin: stdin, file: file, line: line)
    }

    /// Runs `acdc args…` in `directory` with `environment` added; a process
    /// still running after `timeout` seconds is SIGKILLed and reported as
    /// hung (`timedOut`), so a test can never wait forever on a hang.
    static func run(_ args: [String], directory: String, environment: [String: String] = [:], stdin: String? = nil,
                    timeout: Double = 120, file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        let background = try Background(args, directory: directory, environment: environment, stdin: stdin,
                                        file: file, line: line)
        return background.wait(timeout: timeout)
    }

    /// A running `acdc` process; output goes to files, read at any time.
    final class Background {
        let process = Process()
        let dir: String
        var outPath: String { dir + "/stdout" }
        var errPath: String { dir + "/stderr" }
        private let out: FileHandle, err: FileHandle
        private(set) var timedOut = false

        /// `stdin`: text the process reads on its standard input (else /dev/null).
        init(_ args: [String], directory: String, environment: [String: String] = [:], stdin: String? = nil,
             file: StaticString = #filePath, line: UInt = #line) throws {
            guard let exe = ACDCProcess.executable else {
                XCTFail("acdc executable not found beside the test bundle or in .build/debug", file: file, line: line)
                throw CocoaError(.fileNoSuchFile)
            }
            dir = NSTemporaryDirectory() + "acdc-e2e-out-\(getpid())-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: dir + "/stdout", contents: nil)
            _ = FileManager.default.createFile(atPath: dir + "/stderr", contents: nil)
            out = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/stdout"))
            err = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/stderr"))
            process.executableURL = URL(fileURLWithPath: exe)
            process.arguments = args
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
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
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            try? FileManager.default.removeItem(atPath: dir)
        }

        var pid: Int32 { process.processIdentifier }
        var stderr: String { String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self) }

        /// Waits (up to `timeout` seconds) until stderr contains `text`.
        func waitForStderr(_ text: String, timeout: Double = 60) -> Bool {
            let end = Date().addingTimeInterval(timeout)
            while Date() < end {
                if stderr.contains(text) { return true }
                if !process.isRunning { return stderr.contains(text) }
                usleep(20_000)
            }
            return false
        }

        func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

        func wait(timeout: Double = 120) -> Outcome {
            let end = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < end { usleep(5_000) }
            if process.isRunning {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
            try? out.close()
            try? err.close()
            let text = { (p: String) in String(decoding: FileManager.default.contents(atPath: p) ?? Data(), as: UTF8.self) }
            return Outcome(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                           stdout: text(outPath), stderr: text(errPath), timedOut: timedOut)
        }
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

