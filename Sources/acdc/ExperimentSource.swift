import ArgumentParser
import ACDC
import Tasks

/// Where a command's experiment comes from: an acdc-experiment/1 file or one of the
/// standard tasks, with an optional model directory overriding the file's or task's.
struct ExperimentSource: ParsableArguments {
    @Option(help: "Experiment file (acdc-experiment/1 JSON).")
    var experiment: String?

    @Option(help: "Standard task instead of an experiment file (see `acdc task list`).")
    var task: String?

    @Option(help: "Use this model directory instead of the experiment's or task's (ioi, greaterthan and docstring need one).")
    var model: String?

    func validate() throws {
        if experiment != nil && task != nil { throw ACDCError("give either --experiment or --task, not both") }
    }

    /// For commands that need an experiment (run, sweep, eval, attribute), called from
    /// their `validate()`; `faithfulness` may take it from its scores file instead.
    func requireOne() throws {
        if experiment == nil && task == nil { throw ACDCError("give --experiment FILE or --task NAME") }
    }

    func load() throws -> Experiment {
        switch (experiment, task) {
        case (let path?, nil):
            var exp = try Experiment.load(path: path)
            if let m = model { exp.modelPath = m }
            return exp
        case (nil, let name?):
            return try TaskCatalog.named(name).experiment(try taskContext())
        case (nil, nil): throw ACDCError("give --experiment FILE or --task NAME")
        case (_?, _?): throw ACDCError("give either --experiment or --task, not both")
        }
    }

    /// The task's canonical circuit when the source is a task that has one.
    func canonicalCircuit() throws -> [String]? {
        guard experiment == nil, let name = task else { return nil }
        return try TaskCatalog.named(name).canonicalCircuit(try taskContext())
    }

    private func taskContext() throws -> TaskContext {
        TaskContext(tasksDirectory: try TaskDataLocator().locate(), modelDirectory: model)
    }
}
