import Foundation

/// Progress on stderr: a redrawn bar when stderr is a terminal, plain lines
/// otherwise (logs, CI), nothing with --quiet.
final class Progress {
    private let quiet: Bool
    private let isTTY: Bool
    private var lastLine = Date.distantPast

    init(quiet: Bool) {
        self.quiet = quiet
        self.isTTY = isatty(STDERR_FILENO) == 1
    }

    func update(done: Int, total: Int, message: String) {
        guard !quiet else { return }
        if isTTY {
            let width = 30
            let filled = total > 0 ? min(width, done * width / total) : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            write("\r[\(bar)] \(done)/\(total) \(message)\u{1B}[K")
        } else if Date().timeIntervalSince(lastLine) >= 1 || done == total {
            lastLine = Date()
            write("[\(done)/\(total)] \(message)\n")
        }
    }

    func finish() { if !quiet && isTTY { write("\n") } }

    func note(_ s: String) { if !quiet { write(s + "\n") } }

    private func write(_ s: String) { FileHandle.standardError.write(s.data(using: .utf8)!) }
}
