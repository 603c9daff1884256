import ACDC
import ArgumentParser
import Attribution
import Circuits
import Foundation
import Transformer

struct AttributeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribute",
        abstract: "Score every edge at once by gradient attribution (EAP, EAP-IG) or exact patching.",
        discussion: """
        Scores are those of the EAP-IG library (MIB's circuit track) on its graph: \
        nodes input (token embedding), a{l}.h{h}, m{l}, logits; edges such as \
        input->a0.h1<q>, a0.h1->m0, m1->logits, in the library's order. A positive \
        score means corrupting the edge is predicted to increase the metric (a loss). \
        Methods: eap (gradient at the clean run), eap-ig-inputs (integrated over \
        the token embedding from corrupted to clean), eap-ig-activations \
        (integrated per layer's activations), clean-corrupted (gradients at both \
        runs), exact (each edge removed alone, the others present: the ground truth \
        the others approximate). Writes OUT/scores.json and OUT/scores.h5; \
        `acdc select OUT` turns them into circuits.
        """)

    @OptionGroup var source: ExperimentSource

    @Option(help: "eap, eap-ig-inputs, eap-ig-activations, clean-corrupted or exact.")
    var method: String

    @Option(help: "Integration steps of the EAP-IG methods.")
    var igSteps: Int = 5

    @Option(help: "Metric (default: the experiment's first metric).")
    var metric: String?

    @Option(help: "Output directory (default: runs/<experiment>-<method>-<metric>).")
    var out: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        try source.requireOne()
        _ = try AttributionMethod.parse(method)
        if igSteps < 1 { throw ValidationError("--ig-steps must be at least 1, got \(igSteps)") }
    }

    mutating func run() throws {
        let method = try AttributionMethod.parse(method)
        let exp = try source.load()
        let model: HookedTransformer
        do { model = try HookedTransformer.load(directory: exp.modelPath) } catch let e as ModelError { throw ACDCError(e.message) }
        let progress = Progress(quiet: output.quiet)
        let attribution = try EdgeAttribution(model: model, experiment: exp, metric: metric)
        attribution.progress = { progress.note($0) }
        let start = Date()
        let scores = try attribution.scores(method: method, igSteps: igSteps)
        let seconds = Date().timeIntervalSince(start)
        let dir = out ?? "runs/\(exp.name)-\(method.rawValue)-\(attribution.metricName)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let sourceName = source.experiment.map(absolutePath) ?? "task:\(source.task ?? exp.name)"
        let file = ScoresFile(method: method, igSteps: method.usesSteps ? igSteps : nil, metric: attribution.metricName,
                              experiment: exp, experimentSource: sourceName, config: model.config,
                              edges: attribution.graph.edges.map(\.name), scores: scores, seconds: seconds)
        let jsonPath = (dir as NSString).appendingPathComponent("scores.json")
        try AtomicFile.write(file.json(), to: jsonPath)
        try ScoresHDF5.write(edges: file.edges, scores: scores, attributes: [
            ("format", ScoresFile.format), ("method", method.rawValue), ("ig_steps", file.igSteps.map(String.init) ?? ""),
            ("metric", file.metric), ("experiment", file.experimentName), ("experiment_source", sourceName),
            ("model", file.modelPath), ("fingerprint", file.fingerprint),
        ], to: (dir as NSString).appendingPathComponent("scores.h5"))
        let top = scores.indices.sorted { abs(scores[$0]) > abs(scores[$1]) }.prefix(10)
        if output.json {
            let j: JSONValue = .object([
                ("method", .string(method.rawValue)), ("metric", .string(file.metric)), ("edges", .number(Double(scores.count))),
                ("seconds", .number(seconds)), ("scores", .string(jsonPath)),
                ("top", .array(top.map { .object([("edge", .string(file.edges[$0])), ("score", .number(Double(scores[$0])))]) })),
            ])
            print(j.serialized())
        } else {
            print("\(method.rawValue) scores of \(scores.count) edges (metric \(file.metric)) in \(String(format: "%.3f", seconds)) s -> \(jsonPath)")
            print("largest |score|:")
            for i in top { print("  \(file.edges[i].padding(toLength: 24, withPad: " ", startingAt: 0)) \(String(format: "% .6g", scores[i]))") }
        }
    }
}
