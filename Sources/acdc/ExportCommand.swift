import ArgumentParser
import ACDC
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the circuit of a run directory.",
        discussion: "--format edges prints every present edge, placeholders included, one per line as child[index]<-parent[index]|TYPE, sorted.")

    @Argument(help: "Run directory written by `acdc run`.")
    var runDir: String

    @Option(help: "Output format: edges.")
    var format: String = "edges"

    mutating func run() throws {
        let record = try RunRecord.load(path: runDir + "/result.json")
        switch format {
        case "edges":
            guard let edges = record["present_edges"]?.array else { throw ACDCError("\(runDir)/result.json: no present_edges") }
            for e in edges { print(e.string ?? "") }
        default:
            throw ACDCError("unknown export format '\(format)' (known: edges)")
        }
    }
}
