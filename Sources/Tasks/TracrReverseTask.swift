import ACDC

/// tracr-reverse (ACDC.md §7.5): a compiled RASP program that reverses 3 tokens.
public struct TracrReverseTask: StandardTask {
    public let name = "tracr-reverse"
    public let summary = "tracr-compiled RASP reverse of 3 tokens; 6 permutations, corrupted by a derangement; metric l2"
    public let requiredModel: String? = nil
    public let hasCanonicalCircuit = true

    /// The derangement of the 6 rows the reference draws with seed 1234 (ACDC.md §7.5; it
    /// depends on the global torch RNG after model initialisation, so it is not regenerated).
    static let corruptionOrder = [5, 0, 4, 2, 3, 1]
    static let bos = 3

    public init() {}

    public func experiment(_ context: TaskContext) throws -> Experiment {
        // itertools.permutations([0, 1, 2]) order, each row prefixed with BOS.
        let perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
        let clean = perms.map { [Self.bos] + $0 }
        return try makeExperiment(
            task: name, description: summary, model: try modelDirectory(context),
            clean: clean, corrupted: Self.corruptionOrder.map { clean[$0] },
            usePosEmbed: true, posPermutation: tracrPositionPermutation(seqLen: 4),
            metrics: [("l2", .l2(positions: [1, 2, 3], dims: [0, 1, 2]))])
    }

    public func canonicalCircuit(_ context: TaskContext) throws -> [String]? {
        try groundTruthEdges(context.path(name, "ground_truth.json"))
    }
}
