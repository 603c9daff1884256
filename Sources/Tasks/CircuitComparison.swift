/// A circuit ACDC found set against a task's canonical circuit, edge by edge
/// (non-placeholder edges, as the paper's edge ROC counts them).
public struct CircuitComparison: Equatable, Sendable {
    public let both: [String]
    public let onlyFound: [String]
    public let onlyCanonical: [String]

    /// `found` may carry `|TYPE` suffixes and placeholders (a run's present edges);
    /// `canonical` is a ground-truth list without them.
    public init(found: [String], canonical: [String]) {
        let f = Set(found.filter { !$0.hasSuffix("|PLACEHOLDER") }.map(stripType))
        let c = Set(canonical.map(stripType))
        both = f.intersection(c).sorted(by: byteOrder)
        onlyFound = f.subtracting(c).sorted(by: byteOrder)
        onlyCanonical = c.subtracting(f).sorted(by: byteOrder)
    }

    public var foundCount: Int { both.count + onlyFound.count }
    public var canonicalCount: Int { both.count + onlyCanonical.count }
    /// Share of found edges that are canonical (1 when nothing was found).
    public var precision: Double { foundCount == 0 ? 1 : Double(both.count) / Double(foundCount) }
    /// Share of canonical edges that were found.
    public var recall: Double { canonicalCount == 0 ? 1 : Double(both.count) / Double(canonicalCount) }
}
