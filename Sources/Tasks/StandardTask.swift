import ACDC
import Foundation

/// What a task is built from: the task data folder and, optionally, the user's model.
public struct TaskContext: Sendable {
    /// The `tasks/` folder (see `TaskDataLocator`), absolute.
    public var tasksDirectory: String
    /// `--model DIR`: replaces a shipped model, required where none is shipped.
    public var modelDirectory: String?

    public init(tasksDirectory: String, modelDirectory: String? = nil) {
        self.tasksDirectory = tasksDirectory
        self.modelDirectory = modelDirectory.map(absolutePath)
    }

    /// A file or folder inside the task data folder.
    public func path(_ parts: String...) -> String {
        parts.reduce(tasksDirectory) { ($0 as NSString).appendingPathComponent($1) }
    }
}

/// One of the paper's standard tasks (ACDC.md §7), built as an in-memory experiment:
/// model directory, clean and corrupted tokens (the search split), metrics with the
/// default first, and the canonical circuit where the paper has one.
public protocol StandardTask: Sendable {
    /// The name `--task` takes, as the reference spells it.
    var name: String { get }
    /// One line for `acdc task list`.
    var summary: String { get }
    /// nil when the model ships in `tasks/`; otherwise what the user must pass with --model.
    var requiredModel: String? { get }
    var hasCanonicalCircuit: Bool { get }

    func experiment(_ context: TaskContext) throws -> Experiment
    /// Non-placeholder edges `child[index]<-parent[index]`, sorted; nil without one.
    func canonicalCircuit(_ context: TaskContext) throws -> [String]?
}

extension StandardTask {
    /// The model directory: --model, else the shipped `tasks/<name>/model`, else a one-line
    /// error that says which model the task needs.
    func modelDirectory(_ context: TaskContext) throws -> String {
        if let m = context.modelDirectory { return m }
        if let needed = requiredModel {
            throw ACDCError("\(name) needs \(needed): pass --model DIR (see tasks/README.md for how to export one)")
        }
        return context.path(name, "model")
    }
}

/// Every standard task, in the order `acdc task list` shows them.
public enum TaskCatalog {
    public static let all: [any StandardTask] = [
        TracrReverseTask(), TracrProportionTask(), InductionTask(), IOITask(), GreaterThanTask(), DocstringTask(),
    ]

    public static func named(_ name: String) throws -> any StandardTask {
        guard let t = all.first(where: { $0.name == name }) else {
            throw ACDCError("unknown task '\(name)' (known: \(all.map(\.name).joined(separator: ", ")))")
        }
        return t
    }
}

func absolutePath(_ path: String) -> String {
    let p = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    return (p as NSString).standardizingPath
}
