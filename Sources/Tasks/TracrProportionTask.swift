import ACDC

/// tracr-proportion (ACDC.md §7.6): a compiled RASP program computing the running
/// fraction of 'x' tokens.
public struct TracrProportionTask: StandardTask {
    public let name = "tracr-proportion"
    public let summary = "tracr-compiled RASP fraction of previous 'x' tokens; 50 strings, rows permuted; metric l2"
    public let requiredModel: String? = nil
    public let hasCanonicalCircuit = true

    public init() {}

    public func experiment(_ context: TaskContext) throws -> Experiment {
        let file = context.path(name, "data.json")
        let data = try readJSON(file)
        return try makeExperiment(
            task: name, description: summary, model: try modelDirectory(context),
            clean: try intRows(data, "clean", file: file), corrupted: try intRows(data, "corrupted", file: file),
            usePosEmbed: true, posPermutation: tracrPositionPermutation(seqLen: 4),
            metrics: [("l2", .l2(positions: [1, 2, 3], dims: [0]))])
    }

    public func canonicalCircuit(_ context: TaskContext) throws -> [String]? {
        try groundTruthEdges(context.path(name, "ground_truth.json"))
    }
}
