import ACDC
import Foundation

/// The files of a run directory. `checkpoint.h5` and `experiment.json` make it
/// resumable on their own; `result.json` appears when the run finishes.
struct RunDirectory {
    let path: String

    var checkpoint: String { path + "/checkpoint.h5" }
    var experiment: String { path + "/experiment.json" }
    var result: String { path + "/result.json" }

    /// The names an acdc run directory may hold (temporaries of an
    /// interrupted atomic write included); anything else is a user's file.
    static let fileNames: Set<String> = ["checkpoint.h5", "experiment.json", "result.json", RunLock.fileName]
    static func isRunFile(_ name: String) -> Bool {
        fileNames.contains(name) || fileNames.contains { name.hasPrefix($0 + ".tmp-") }
    }

    /// A directory holding a checkpoint or a result: what `show` lists.
    var isRun: Bool {
        FileManager.default.fileExists(atPath: checkpoint) || FileManager.default.fileExists(atPath: result)
    }

    /// A checkpoint without a finished result: a run that was stopped.
    var isUnfinished: Bool {
        guard FileManager.default.fileExists(atPath: checkpoint) else { return false }
        guard let data = FileManager.default.contents(atPath: result),
              let json = try? JSONValue.parse(Array(data)) else { return true }
        return json["finished"]?.bool != true
    }

    /// The default run directory, `runs/<name>-<threshold>`: when that holds a
    /// finished run, or one another process is running, the first free `-2`,
    /// `-3`, ... so repeating a command never clobbers an earlier run. A
    /// stopped (killed) run is not silently passed over: the error says how
    /// to resume it (an explicit --out is taken as given).
    static func fresh(base: String) throws -> RunDirectory {
        var candidate = RunDirectory(path: base)
        var n = 2
        while candidate.isRun || RunLock.holder(of: candidate.path) != nil {
            if candidate.isUnfinished && RunLock.holder(of: candidate.path) == nil {
                throw ACDCError("\(candidate.path) holds an unfinished run (stopped before it finished); "
                    + "continue it with `acdc resume \(candidate.path)`, or pass --out DIR to start another run "
                    + "(--out \(candidate.path) --overwrite starts it afresh)")
            }
            candidate = RunDirectory(path: "\(base)-\(n)"); n += 1
        }
        return candidate
    }

    /// Refuses a path that exists but is not a directory or holds files that
    /// are not an acdc run's (never write among a user's files, or into `/`).
    func checkWritable() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return }
        guard isDir.boolValue else { throw ACDCError("\(path): exists and is not a directory; give a new or empty directory") }
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw ACDCError("\(path): cannot list directory (\(error.localizedDescription))")
        }
        if let foreign = entries.sorted().first(where: { !RunDirectory.isRunFile($0) }) {
            throw ACDCError("\(path): not an acdc run directory (holds '\(foreign)'); refusing to write into it; "
                + "give a new or empty directory")
        }
    }

    func create() throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ACDCError("\(path): cannot create run directory (\(error.localizedDescription))")
        }
    }

    /// Creates the directory if needed and takes its lock (see `RunLock`).
    func createAndLock() throws -> RunLock {
        try checkWritable()
        try create()
        return try RunLock.acquire(path)
    }

    /// The experiment's `name`, read leniently (for display only).
    func experimentName() -> String? {
        guard let data = FileManager.default.contents(atPath: experiment),
              let json = try? JSONValue.parse(Array(data)) else { return nil }
        return json["name"]?.string
    }
}
