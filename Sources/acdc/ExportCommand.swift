import ArgumentParser
import ACDC
import Circuits
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the circuit of a run directory.",
        discussion: """
        Formats:
          edges  every present edge, placeholders included, one per line as \
        child[index]<-parent[index]|TYPE, sorted (what `acdc eval --edges` reads).
          json   acdc-circuit/1: nodes (name, short label, kind, layer, head), edges \
        (child, parent, type, effect size), options and run summary.
          dot    Graphviz drawing in the reference's style: labels such as a0.0_q, \
        m3, embed, resid_post; tested non-placeholder edges, coloured by type \
        (ADDITION red, DIRECT_COMPUTATION green) or by parent node.
          png, svg  the dot drawing rendered with Graphviz's `dot` (must be installed).
          hdf5   the whole edge list of the graph with present mask and effect \
        sizes; options and summary as attributes.
          mib    EAP-IG / MIB graph JSON (nodes input, a{L}.h{H}, m{L}, logits; \
        edges src->dst<q|k|v> with score and in_graph).
        Text formats go to stdout unless --output is given; png and hdf5 default \
        to RUN_DIR/circuit.png and RUN_DIR/circuit.h5. hdf5 and mib rebuild the \
        full graph from the run's model config.json.

        Given an EAP-IG/MIB graph JSON file instead of a run directory (as         `acdc select` writes), dot, png and svg draw its in-graph nodes and edges.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case edges, json, dot, png, svg, hdf5, mib }

    @Argument(help: "Run directory written by `acdc run` (or an EAP-IG/MIB graph JSON file for dot/png/svg).")
    var runDir: String

    @Option(help: "Output format: edges, json, dot, png, svg, hdf5 or mib.")
    var format: Format = .edges

    @Option(name: .shortAndLong, help: "Write to this file instead of stdout (written atomically).")
    var output: String?

    @Option(help: "dot/png/svg edge colours: type (ADDITION red, DIRECT_COMPUTATION green) or parent (the parent node's colour).")
    var edgeColors: DotExport.EdgeColors = .type

    @Flag(help: "dot/png/svg: label nodes with full hook names and indices instead of short labels.")
    var fullLabels = false

    mutating func run() throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: runDir, isDirectory: &isDir), !isDir.boolValue {
            return try exportGraphJSON()
        }
        let run = try RunResult.load(runDir: runDir)
        let dot = DotExport(edgeColors: edgeColors, fullLabels: fullLabels)
        switch format {
        case .edges:
            try emit(run.presentEdges.map { $0.key + "|" + $0.type!.rawValue }.joined(separator: "\n") + "\n")
        case .json:
            try emit(JSONExport.render(try Circuit(run: run)))
        case .dot:
            try emit(dot.render(try Circuit(run: run)))
        case .svg:
            try emit(ExternalTools.renderDot(dot.render(try Circuit(run: run)), format: "svg"))
        case .png:
            let png = try ExternalTools.renderDot(dot.render(try Circuit(run: run)), format: "png")
            try emit(png, defaultFile: "circuit.png")
        case .hdf5:
            let (graph, present) = try run.graph()
            let path = output ?? (runDir as NSString).appendingPathComponent("circuit.h5")
            try HDF5Export.write(run: run, graph: graph, present: present, to: path)
            FileHandle.standardError.write(Data("wrote \(path)\n".utf8))
        case .mib:
            let (graph, present) = try run.graph()
            let effects = graph.edges.indices.map { run.effectSizes[graph.edgeString($0, withType: false)] }
            try emit(MIBExport.render(graph: graph, present: present, effectSizes: effects, dModel: try run.modelConfig().dModel))
        }
    }

    /// dot/png/svg of a circuit in the EAP-IG/MIB vocabulary.
    private func exportGraphJSON() throws {
        guard let data = FileManager.default.contents(atPath: runDir) else { throw ACDCError("\(runDir): cannot read") }
        let dot = try MIBGraphDot.render(json: [UInt8](data), origin: runDir)
        switch format {
        case .dot: try emit(dot)
        case .svg: try emit(ExternalTools.renderDot(dot, format: "svg"))
        case .png:
            guard let path = output else { throw ACDCError("png of a graph JSON file needs --output FILE") }
            try AtomicFile.write([UInt8](try ExternalTools.renderDot(dot, format: "png")), to: path)
        default:
            throw ACDCError("\(runDir): a graph JSON file exports as dot, png or svg (not \(format.rawValue))")
        }
    }

    private func emit(_ text: String) throws { try emit(Data(text.utf8)) }

    /// To --output (atomically), else to `defaultFile` in the run directory, else stdout.
    private func emit(_ data: Data, defaultFile: String? = nil) throws {
        if let path = output ?? defaultFile.map({ (runDir as NSString).appendingPathComponent($0) }) {
            try AtomicFile.write([UInt8](data), to: path)
            if output == nil { FileHandle.standardError.write(Data("wrote \(path)\n".utf8)) }
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}

extension DotExport.EdgeColors: ExpressibleByArgument {}
