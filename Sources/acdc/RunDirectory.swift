import ACDC
import Foundation

/// The files of a run directory. `checkpoint.h5` and `experiment.json` make it
/// resumable on their own; `result.json` appears when the run finishes.
struct RunDirectory {
    let path: String

    var checkpoint: String { path + "/checkpoint.h5" }
    var experiment: String { path + "/experiment.json" }
    var result: String { path + "/result.json" }

    /// A directory holding a checkpoint or a result: what `show` lists.
    var isRun: Bool {
        FileManager.default.fileExists(atPath: checkpoint) || FileManager.default.fileExists(atPath: result)
    }

    /// The default run directory, `runs/<name>-<threshold>`: when that already
    /// holds a run, the first free `-2`, `-3`, ... so repeating a command never
    /// clobbers or refuses an earlier run (an explicit --out is taken as given).
    static func fresh(base: String) -> RunDirectory {
        var candidate = RunDirectory(path: base)
        var n = 2
        while candidate.isRun { candidate = RunDirectory(path: "\(base)-\(n)"); n += 1 }
        return candidate
    }

    func create() throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ACDCError("\(path): cannot create run directory (\(error.localizedDescription))")
        }
    }

    /// The experiment's `name`, read leniently (for display only).
    func experimentName() -> String? {
        guard let data = FileManager.default.contents(atPath: experiment),
              let json = try? JSONValue.parse(Array(data)) else { return nil }
        return json["name"]?.string
    }
}
