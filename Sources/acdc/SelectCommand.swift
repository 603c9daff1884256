import ACDC
import ArgumentParser
import Attribution
import Foundation

struct SelectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "select",
        abstract: "Turn attribution scores into a circuit (top-n, greedy or threshold, pruned).",
        discussion: """
        As the EAP-IG library: --top-n N keeps the N edges of largest |score|; \
        --greedy N grows the circuit from logits, N times adding the best edge into \
        a node already in it; --threshold T keeps every edge with |score| >= T. Then \
        nodes without an incoming or outgoing edge in the circuit are pruned \
        (unless --no-prune), so fewer than N edges can remain. --signed ranks by \
        the score itself. Writes the circuit as an edge list (FILE.txt) and as \
        EAP-IG/MIB graph JSON with scores (FILE.json); `acdc eval` reads both.
        """)

    @Argument(help: "Directory of `acdc attribute` (or its scores.json).")
    var scores: String

    @Option(help: "Keep the N edges with the largest |score|.")
    var topN: Int?

    @Option(help: "Grow greedily from logits, N edges.")
    var greedy: Int?

    @Option(help: "Keep every edge with |score| >= T.")
    var threshold: Double?

    @Flag(help: "Rank by the signed score instead of its magnitude.")
    var signed = false

    @Flag(help: "Keep dead nodes' edges (no pruning).")
    var noPrune = false

    @Option(help: "Output path without extension (default: DIR/circuit-<kind>-<n>).")
    var output: String?

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        let given = [topN != nil, greedy != nil, threshold != nil].filter { $0 }.count
        guard given == 1 else { throw ValidationError("give exactly one of --top-n, --greedy, --threshold") }
        if let n = topN ?? greedy, n < 0 { throw ValidationError("the edge count must be non-negative, got \(n)") }
        if let t = threshold, !t.isFinite { throw ValidationError("--threshold must be finite") }
    }

    mutating func run() throws {
        let file = try ScoresFile.load(path: scores)
        let graph = file.graph
        let sel = try Selection(graph: graph, scores: file.scores, signed: signed)
        let raw: [Bool], label: String
        if let n = topN { raw = sel.topN(n); label = "topn-\(n)" }
        else if let n = greedy { raw = sel.greedy(n); label = "greedy-\(n)" }
        else { raw = sel.threshold(Float(threshold!)); label = "threshold-\(threshold!)" }
        let present = noPrune ? raw : sel.prune(raw)
        let dir = (file.path.map { ($0 as NSString).deletingLastPathComponent }) ?? "."
        var base = output ?? (dir as NSString).appendingPathComponent("circuit-\(label)\(signed ? "-signed" : "")")
        if base.hasSuffix(".json") || base.hasSuffix(".txt") { base = (base as NSString).deletingPathExtension }
        try AtomicFile.write(CircuitFiles.edgeList(graph: graph, present: present), to: base + ".txt")
        try AtomicFile.write(CircuitFiles.graphJSON(graph: graph, present: present, scores: file.scores, dModel: nil), to: base + ".json")
        let kept = present.filter { $0 }.count, before = raw.filter { $0 }.count
        if json {
            let j: JSONValue = .object([
                ("selection", .string(label)), ("edges", .number(Double(kept))), ("edges_before_prune", .number(Double(before))),
                ("nodes", .array(sel.nodes(present).map { .string($0) })),
                ("edge_list", .string(base + ".txt")), ("graph_json", .string(base + ".json")),
            ])
            print(j.serialized())
        } else {
            print("\(label): \(kept) edges (\(before) before pruning) of \(graph.edges.count), \(sel.nodes(present).count) nodes -> \(base).txt, \(base).json")
        }
    }
}
