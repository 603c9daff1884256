import ArgumentParser
import ACDC
import Checkpoint
import Circuits
import Foundation

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show the progress or summary of a run or of a sweep.",
        discussion: """
        For a run directory: experiment, options, steps done of the node count, edges \
        kept, current metric, edges tested and elapsed time, from checkpoint.h5 (or \
        result.json when there is no checkpoint). For a sweep directory (one whose \
        subdirectories are run directories): one line per run.
        """)

    @Argument(help: "Run directory, or sweep directory of run directories.")
    var path: String

    @Flag(help: "Print JSON on stdout (an object for a run, an array for a sweep).")
    var json = false

    mutating func run() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw ACDCError("\(path): no such directory")
        }
        let directory = RunDirectory(path: path)
        if directory.isRun {
            let status = try RunStatus.load(directory)
            print(json ? status.json().serialized(indent: 1) : status.text())
            return
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let runs = entries.sorted().map { RunDirectory(path: (path as NSString).appendingPathComponent($0)) }.filter(\.isRun)
        guard !runs.isEmpty else {
            throw ACDCError("\(path): neither a run directory (no checkpoint.h5 or result.json) nor a sweep of run directories")
        }
        // One broken run must not hide the others: report it on its line.
        let rows = runs.map { run -> (String, Result<RunStatus, Error>) in
            ((run.path as NSString).lastPathComponent, Result { try RunStatus.load(run) })
        }
        if json {
            print(JSONValue.array(rows.map { name, result in
                switch result {
                case .success(let s): return s.json()
                case .failure(let e): return .object([("run_dir", .string(name)), ("error", .string("\(e)"))])
                }
            }).serialized(indent: 1))
        } else {
            let width = rows.map(\.0.count).max() ?? 0
            for (name, result) in rows {
                let padded = name.padding(toLength: width, withPad: " ", startingAt: 0)
                switch result {
                case .success(let s): print("\(padded)  \(s.line())")
                case .failure(let e): print("\(padded)  error: \(e)")
                }
            }
        }
    }
}

/// What `show` reports about one run directory.
struct RunStatus {
    var runDir: String
    var experimentName: String?
    var experimentPath: String
    var modelPath: String
    var options: ACDCOptions
    /// Nodes stepped past (checkpoint cursor) and the node count; nil from result.json alone.
    var stepsDone: Int?
    var nodeCount: Int?
    var summary: RunSummary
    /// Metric computations (one per node plus one per tested edge); nil when unknown.
    var metricCalls: Int?

    /// Prefers the checkpoint (it knows the progress); falls back to result.json.
    static func load(_ directory: RunDirectory) throws -> RunStatus {
        if FileManager.default.fileExists(atPath: directory.checkpoint) {
            let c = try CheckpointStore.read(from: directory.checkpoint)
            return RunStatus(runDir: directory.path, experimentName: directory.experimentName(),
                             experimentPath: c.experimentPath, modelPath: c.modelPath, options: c.options,
                             stepsDone: c.state.cursor, nodeCount: c.nodeCount, summary: RunSummary(c),
                             metricCalls: c.state.evaluations)
        }
        let r = try RunResult.load(runDir: directory.path)
        return RunStatus(runDir: directory.path, experimentName: directory.experimentName(),
                         experimentPath: r.experimentPath, modelPath: r.modelPath,
                         options: r.options, stepsDone: nil, nodeCount: nil, summary: RunSummary(r),
                         metricCalls: r.json["metric_calls"]?.int)
    }

    private var state: String { summary.finished ? "finished" : "in progress" }

    private var steps: String {
        guard let done = stepsDone, let total = nodeCount else { return summary.finished ? "all" : "?" }
        return "\(done)/\(total)"
    }

    private func metric(_ value: Double) -> String { String(format: "%.6g", value) }

    func text() -> String {
        let o = options
        var lines = [
            "run:          \(runDir)",
            "experiment:   \(experimentName.map { "\($0) (\(experimentPath))" } ?? experimentPath)",
            "model:        \(modelPath)",
            "options:      threshold \(o.threshold), metric \(o.metric)"
                + (o.zeroAblation ? ", zero ablation" : "") + (o.absValueThreshold ? ", |change|" : "")
                + ", indices \(o.indicesMode.rawValue), names \(o.namesMode.rawValue)"
                + (o.removeRedundant ? ", remove redundant" : ""),
            "status:       \(state), \(steps) nodes stepped",
            "edges kept:   \(summary.edgesKept) of \(summary.edgesTotal)",
            "\(summary.finished ? "final metric:" : "metric:      ") \(metric(summary.finalMetric))",
            "edges tested: \(summary.evaluations)" + (metricCalls.map { " (\($0) metric computations)" } ?? ""),
            "elapsed:      \(String(format: "%.2f", summary.seconds)) s",
        ]
        if summary.finished {
            // Only a result that is there: a full disk can stop a run between
            // its final checkpoint and result.json.
            let result = RunDirectory(path: runDir).result
            lines.append(FileManager.default.fileExists(atPath: result) ? "result:       \(result)"
                         : "result:       missing (write it with `acdc resume \(runDir)`)")
        }
        return lines.joined(separator: "\n")
    }

    /// One line, for sweep listings.
    func line() -> String {
        "\(state.padding(toLength: 11, withPad: " ", startingAt: 0)) steps \(steps)  threshold \(options.threshold)  "
            + "edges \(summary.edgesKept)/\(summary.edgesTotal)  metric \(metric(summary.finalMetric))  "
            + "tested \(summary.evaluations)  \(String(format: "%.2f", summary.seconds)) s"
    }

    func json() -> JSONValue {
        func int(_ v: Int?) -> JSONValue { v.map { .number(Double($0)) } ?? .null }
        return .object([
            ("run_dir", .string(runDir)),
            ("experiment", experimentName.map(JSONValue.string) ?? .null),
            ("experiment_path", .string(experimentPath)),
            ("model", .string(modelPath)),
            ("options", options.json()),
            ("finished", .bool(summary.finished)),
            ("steps_done", int(stepsDone)),
            ("node_count", int(nodeCount)),
            ("edges_kept", .number(Double(summary.edgesKept))),
            ("edges_total", .number(Double(summary.edgesTotal))),
            ("metric", .number(summary.finalMetric)),
            ("evaluations", .number(Double(summary.evaluations))),
            ("metric_calls", int(metricCalls)),
            ("seconds", .number(summary.seconds)),
        ])
    }
}
