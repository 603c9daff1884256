import ACDC

/// Greater-Than on GPT-2 small (ACDC.md §7.2): "The war lasted from the year 1732 to 17"
/// -> a two-digit year above 32; corrupted by making the start year end in 01.
public struct GreaterThanTask: StandardTask {
    public let name = "greaterthan"
    public let summary = "GPT-2 small: 'lasted from the year 1732 to 17' -> later years, vs start year ..01; kl_div, greaterthan"
    public let requiredModel: String? = "GPT-2 small"
    public let hasCanonicalCircuit = true
    static let searchRows = 100

    public init() {}

    public func experiment(_ context: TaskContext) throws -> Experiment {
        let model = try modelDirectory(context)
        let tokenizer = try textTokenizer(context, model: model)
        let gen = GreaterThanGenerator(tokenizer: tokenizer)
        let prompts = try gen.prompts().prefix(Self.searchRows)
        let suffixes = try gen.suffixTokens()
        let clean = prompts.map(\.tokens)
        let corrupted = clean.map { row -> [Int] in
            var r = row
            r[GreaterThanGenerator.yearPosition] = suffixes[1]    // "01"
            return r
        }
        let last = GreaterThanGenerator.promptLength - 1
        return try makeExperiment(
            task: name, description: summary, model: model, clean: clean, corrupted: corrupted,
            metrics: [("kl_div", .klDiv(.positions([last]))),
                      ("greaterthan", .greaterThan(position: last, yearTokens: suffixes, startYears: prompts.map(\.startYY)))])
    }

    public func canonicalCircuit(_ context: TaskContext) throws -> [String]? { CanonicalCircuits.greaterThan() }
}
