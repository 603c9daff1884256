import ArgumentParser
import ACDC

/// Where a command's experiment comes from: an acdc-experiment/1 file, with
/// an optional model directory overriding the file's.
struct ExperimentSource: ParsableArguments {
    @Option(help: "Experiment file (acdc-experiment/1 JSON).")
    var experiment: String?

    @Option(help: "Use this model directory instead of the experiment's.")
    var model: String?

    func load() throws -> Experiment {
        guard let path = experiment else { throw ACDCError("give --experiment FILE") }
        var exp = try Experiment.load(path: path)
        if let m = model { exp.modelPath = m }
        return exp
    }
}
