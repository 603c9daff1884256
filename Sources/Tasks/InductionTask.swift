import ACDC

/// Induction (ACDC.md §7.4) on the 2-layer attention-only model trained by
/// scripts/train_induction.py (the paper's redwood_attn_2l and its data cannot be
/// regenerated offline). Metrics read only the positions where induction predicts.
public struct InductionTask: StandardTask {
    public let name = "induction"
    public let summary = "shipped 2-layer attn-only model on repeated random tokens; rows deranged; masked kl_div, nll"
    public let requiredModel: String? = nil
    public let hasCanonicalCircuit = false

    public init() {}

    public func experiment(_ context: TaskContext) throws -> Experiment {
        let file = context.path(name, "data.json")
        let data = try readJSON(file)
        let clean = try intRows(data, "clean", file: file)
        let corrupted = try intRows(data, "corrupted", file: file)
        guard let maskRows = data["mask"]?.array else { throw ACDCError("\(file): missing 'mask'") }
        let mask = try maskRows.map { r -> [Bool] in
            guard let a = r.array, case let v = a.compactMap(\.bool), v.count == a.count else {
                throw ACDCError("\(file): 'mask' must be a list of boolean lists")
            }
            return v
        }
        guard mask.count == clean.count, zip(mask, clean).allSatisfy({ $0.count == $1.count }) else {
            throw ACDCError("\(file): 'mask' must have the shape of 'clean'")
        }
        // The logits at t predict token t + 1; the last position has no label and is never masked in.
        let labels = clean.map { row in (0..<row.count).map { $0 + 1 < row.count ? row[$0 + 1] : row[$0] } }
        for (r, row) in mask.enumerated() where row.last == true {
            throw ACDCError("\(file): 'mask' row \(r) selects the last position, which has no next token")
        }
        return try makeExperiment(
            task: name, description: summary, model: try modelDirectory(context),
            clean: clean, corrupted: corrupted,
            metrics: [("kl_div", .klDiv(.mask(mask))), ("nll", .nll(.mask(mask), labels: labels)),
                      ("match_nll", .matchNLL(.mask(mask), labels: labels))])
    }

    public func canonicalCircuit(_ context: TaskContext) throws -> [String]? { nil }
}
