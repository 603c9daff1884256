import ACDC
import Foundation

/// Finds the `tasks/` folder (shipped models, token data, the GPT-2 vocabulary) for a
/// binary that may run from anywhere: $ACDC_TASKS_DIR, else a `tasks/` next to the
/// executable or any folder above it (REPO/.build/release/acdc -> REPO/tasks), else
/// ./tasks.
public struct TaskDataLocator: Sendable {
    public static let environmentVariable = "ACDC_TASKS_DIR"
    /// A file every task data folder has; a folder without it is not ours.
    public static let marker = "gpt2-tokenizer/encoder.json"

    public var environment: [String: String]
    public var executablePath: String?
    public var currentDirectory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                executablePath: String? = Bundle.main.executablePath ?? CommandLine.arguments.first,
                currentDirectory: String = FileManager.default.currentDirectoryPath) {
        self.environment = environment
        self.executablePath = executablePath
        self.currentDirectory = currentDirectory
    }

    /// The absolute path of the task data folder.
    public func locate() throws -> String {
        if let env = environment[Self.environmentVariable], !env.isEmpty {
            let dir = absolute(env)
            guard Self.isTaskData(dir) else {
                throw ACDCError("\(Self.environmentVariable)=\(env): not a task data folder (no \(Self.marker))")
            }
            return dir
        }
        if let exe = executablePath, !exe.isEmpty {
            // Resolve symlinks so an installed link still finds the checkout it points into.
            var dir = URL(fileURLWithPath: absolute(exe)).resolvingSymlinksInPath().deletingLastPathComponent().path
            while true {
                let candidate = (dir as NSString).appendingPathComponent("tasks")
                if Self.isTaskData(candidate) { return candidate }
                let parent = (dir as NSString).deletingLastPathComponent
                if parent == dir || parent.isEmpty { break }
                dir = parent
            }
        }
        let local = absolute("tasks")
        if Self.isTaskData(local) { return local }
        throw ACDCError("cannot find the task data folder 'tasks/': set \(Self.environmentVariable)=DIR or run from the repository")
    }

    static func isTaskData(_ dir: String) -> Bool {
        FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(marker))
    }

    private func absolute(_ p: String) -> String {
        ((p.hasPrefix("/") ? p : (currentDirectory as NSString).appendingPathComponent(p)) as NSString).standardizingPath
    }
}
