import ACDC
import Foundation

/// Helper programs found on PATH (Graphviz, rsvg-convert, sbatch).
public enum ExternalTools {
    /// Absolute path of `name` on PATH, nil when not installed.
    public static func find(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        for dir in (path ?? "/usr/bin:/bin").split(separator: ":") where !dir.isEmpty {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Runs `tool args` with `input` on stdin; returns stdout. Failures are
    /// one-line errors carrying the tool's first line of stderr.
    public static func run(_ tool: String, _ args: [String], input: Data) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin; p.standardOutput = stdout; p.standardError = stderr
        do { try p.run() } catch { throw ACDCError("\(tool): cannot start (\(error.localizedDescription))") }
        // Feed stdin from another thread so a large output cannot deadlock on full pipes.
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let first = String(decoding: err, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            throw ACDCError("\((tool as NSString).lastPathComponent) failed (exit \(p.terminationStatus)): \(first)")
        }
        return out
    }

    /// Renders DOT text with Graphviz's `dot` to `format` (png, svg).
    public static func renderDot(_ dot: String, format: String, extraArgs: [String] = []) throws -> Data {
        guard let tool = find("dot") else {
            throw ACDCError("--format \(format) needs Graphviz's `dot` on PATH (install graphviz), or export --format dot and render it elsewhere")
        }
        return try run(tool, extraArgs + ["-T\(format)"], input: Data(dot.utf8))
    }
}
