import ArgumentParser
import ACDC
import Circuits
import Foundation

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run ACDC at many thresholds, then summarise (and score against a canonical circuit).",
        discussion: """
        One run per threshold, each a child `acdc run ... --out SWEEP_DIR/thr-<t>` \
        (output in SWEEP_DIR/logs/thr-<t>.log), --jobs at a time. The sweep is \
        resumable: run the same command again and finished runs are skipped, \
        interrupted ones continue with `acdc resume`. At the end SWEEP_DIR gets \
        summary.csv and summary.md (threshold, edges, final metric, evaluations, \
        seconds) and plot.svg (final metric against edges kept; plot.png too when \
        rsvg-convert or Graphviz is installed). With a canonical circuit (--canonical \
        FILE, or the ground truth of a --task) the summary adds edge and node ROC \
        points and AUCs computed as the paper does (ACDC.md §8) and the plot the ROC curves.

        Thresholds: --thresholds 0.001,0.01,0.1 or --thresholds log:1e-4:1e-1:10 \
        (10 values evenly spaced in log10 from 1e-4 to 1e-1 inclusive).

        Slurm: --slurm writes SWEEP_DIR/sweep.slurm, a job array with one \
        threshold per task index (at most --jobs at once when given) in which task i \
        runs `acdc sweep <same options> --array-index i` with this same acdc binary. \
        When sbatch is on PATH the script is submitted, followed by a dependent job \
        running `acdc sweep <same options> --summary-only` that writes the summary; \
        otherwise the commands to submit are printed.
        """)

    @OptionGroup var source: ExperimentSource

    @Option(parsing: .unconditional, help: "Thresholds: a comma-separated list (negative values allowed) or log:START:END:COUNT.")
    var thresholds: String

    @OptionGroup var modifiers: SearchModifiers

    @Option(help: "Runs at once (children get OPENBLAS_NUM_THREADS=1 when more than one, unless it is set).")
    var jobs: Int?

    @Option(help: "Sweep directory (created; re-use it to resume).")
    var out: String

    @Option(help: "Canonical circuit (edge list, or JSON with an \"edges\" list) for ROC/AUC.")
    var canonical: String?

    @Flag(help: "Write SWEEP_DIR/sweep.slurm (a job array) and submit it with sbatch if present.")
    var slurm = false

    @Option(help: "Run only the threshold at this 0-based index and write no summary (what the Slurm tasks do).")
    var arrayIndex: Int?

    @Flag(help: "Run nothing; write the summary from the runs present.")
    var summaryOnly = false

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    @Flag(help: "Print the summary as one JSON object on stdout.")
    var json = false

    func validate() throws {
        // The source and the search options validate themselves (option groups).
        if let j = jobs, j < 1 { throw ValidationError("--jobs must be at least 1") }
        if slurm && (arrayIndex != nil || summaryOnly) { throw ValidationError("--slurm cannot be combined with --array-index or --summary-only") }
    }

    mutating func run() throws {
        let values = try ThresholdSpec.parse(thresholds)
        let outDir = absolutePath(out)
        var sourceArguments: [String] = source.experiment.map { ["--experiment", absolutePath($0)] } ?? ["--task", source.task!]
        if let m = source.model { sourceArguments += ["--model", absolutePath(m)] }
        let spec = SweepSpec(sourceArguments: sourceArguments, expected: modifiers.expected, thresholds: values, outDir: outDir)
        let exe = SweepCommand.executablePath()
        let quiet = self.quiet
        let report: (String) -> Void = { line in if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) } }
        do { try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true) } catch {
            throw ACDCError("\(outDir): cannot create sweep directory (\(error.localizedDescription))")
        }
        let canonicalFile = try canonical.map(absolutePath) ?? source.task.flatMap { try taskCanonicalFile($0, outDir: outDir) }
        // Read the canonical circuit up front: a bad file should fail before hours of runs.
        let canonicalCircuit = try canonicalFile.map { try CanonicalCircuit(path: $0) }

        if slurm {
            try submitSlurm(spec: spec, executable: exe, canonicalFile: canonicalFile)
            return
        }
        var outcomes: [Int: SweepRunner.Outcome] = [:]
        if !summaryOnly {
            var indices: [Int]? = nil
            if let i = arrayIndex {
                guard values.indices.contains(i) else { throw ACDCError("--array-index \(i): the sweep has thresholds 0..<\(values.count)") }
                indices = [i]
            }
            // SIGINT/SIGTERM: the children get SIGTERM (each checkpoints and
            // stops), the sweep waits for them and exits 130/143.
            let stop = StopFlag()
            StopSignals.install { stop.set($0) }
            let runner = SweepRunner(spec: spec, executable: exe, jobs: jobs ?? 1, report: report,
                                     stopRequested: { stop.value })
            do { outcomes = try runner.run(indices: indices) } catch let i as SweepRunner.Interrupted {
                FileHandle.standardError.write(Data("interrupted; run the same command again to continue the sweep (\(outDir))\n".utf8))
                throw ExitCode(StopSignals.exitStatus(i.signal))
            }
            if arrayIndex != nil {
                if case .failed(let why)? = outcomes[arrayIndex!] { throw ACDCError("\(ThresholdSpec.directoryName(values[arrayIndex!])): \(why)") }
                return
            }
        }
        let options = spec.runArguments.isEmpty ? "" : " (\(spec.runArguments.joined(separator: " ")))"
        let summary = try SweepReport(spec: spec, title: sweepName + options, outcomes: outcomes, canonical: canonicalCircuit)
        let plots = try SweepOutputs.write(summary, to: outDir, report: report)
        if json { print(summary.json(sweepDir: outDir).serialized()) }
        report("summary: \(outDir)/summary.csv, summary.md, \(plots.joined(separator: ", "))"
               + (summary.edgeAUC.map { String(format: "; edge AUC %.4f, node AUC %.4f", $0, summary.nodeAUC ?? 0) } ?? ""))
        let failed = summary.rows.filter { $0.status != "finished" }
        if !failed.isEmpty {
            throw ACDCError("\(failed.count) of \(values.count) runs not finished (\(failed.map { ThresholdSpec.directoryName($0.threshold) + ": " + $0.status }.joined(separator: ", "))); logs in \(outDir)/logs; run the same command again to retry")
        }
    }

    /// The task, or the experiment file's name (its directory's for a plain experiment.json).
    var sweepName: String {
        guard let e = source.experiment else { return source.task! }
        let stem = ((e as NSString).lastPathComponent as NSString).deletingPathExtension
        let dir = ((absolutePath(e) as NSString).deletingLastPathComponent as NSString).lastPathComponent
        return stem == "experiment" && !dir.isEmpty ? dir : stem
    }

    /// The arguments that repeat this sweep (absolute paths, expanded thresholds).
    func sweepArguments(spec: SweepSpec, canonicalFile: String?) -> [String] {
        var a = ["sweep"] + spec.sourceArguments + ["--thresholds", spec.thresholds.map(ThresholdSpec.text).joined(separator: ",")]
        a += spec.runArguments + ["--out", spec.outDir]
        if let c = canonicalFile { a += ["--canonical", c] }
        return a
    }

    func submitSlurm(spec: SweepSpec, executable: String, canonicalFile: String?) throws {
        let args = sweepArguments(spec: spec, canonicalFile: canonicalFile)
        let script = SlurmScript.render(executable: executable, sweepArguments: args, thresholds: spec.thresholds,
                                        jobs: jobs, outDir: spec.outDir, name: sweepName)
        let path = spec.outDir + "/sweep.slurm"
        try FileManager.default.createDirectory(atPath: spec.outDir + "/logs", withIntermediateDirectories: true)
        try AtomicFile.write(script, to: path)
        let summaryCommand = ([executable] + args + ["--summary-only"]).map(shellQuote).joined(separator: " ")
        guard let sbatch = ExternalTools.find("sbatch") else {
            print("wrote \(path) (sbatch not found on PATH). Submit it with:")
            print("  sbatch \(shellQuote(path))")
            print("and when the array has finished, write the summary with:")
            print("  \(summaryCommand)")
            return
        }
        let id = try String(decoding: ExternalTools.run(sbatch, ["--parsable", path], input: Data()), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        let summaryJob = try String(decoding: ExternalTools.run(sbatch, [
            "--parsable", "--dependency=afterany:\(id)", "--job-name=acdc-sweep-summary",
            "--output=\(spec.outDir)/logs/slurm-summary-%j.out", "--wrap", summaryCommand,
        ], input: Data()), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        print("submitted \(path) as job array \(id); summary job \(summaryJob) runs after it and writes \(spec.outDir)/summary.md")
    }

    /// This very executable, so children run the same build.
    static func executablePath() -> String {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if FileManager.default.isExecutableFile(atPath: me), me != "/proc/self/exe" { return me }
        if let p = Bundle.main.executablePath { return p }
        return absolutePath(CommandLine.arguments[0])
    }

    /// A task's canonical circuit (built by its task code: ioi, greaterthan and
    /// docstring derive theirs from the model's shape), written into the sweep
    /// directory as an edge list so Slurm jobs and later summaries read the same file.
    func taskCanonicalFile(_ name: String, outDir: String) throws -> String? {
        guard let edges = try source.canonicalCircuit() else { return nil }
        let path = outDir + "/canonical_circuit.txt"
        try AtomicFile.write("# canonical circuit of task \(name)\n" + edges.sorted().joined(separator: "\n") + "\n", to: path)
        return path
    }

    /// tasks/NAME/ground_truth.json: under $ACDC_TASKS_DIR, the working directory,
    /// or a parent of the executable's directory (a checkout's .build/...).
    static func taskGroundTruth(_ name: String, executable: String) -> String? {
        var roots: [String] = []
        if let d = ProcessInfo.processInfo.environment["ACDC_TASKS_DIR"] { roots.append(d) }
        roots.append(FileManager.default.currentDirectoryPath + "/tasks")
        var dir = (executable as NSString).deletingLastPathComponent
        while dir.count > 1 {
            roots.append(dir + "/tasks")
            dir = (dir as NSString).deletingLastPathComponent
        }
        return roots.map { "\($0)/\(name)/ground_truth.json" }.first { FileManager.default.fileExists(atPath: $0) }
    }
}

/// summary.csv, summary.md and the plot files of a sweep.
enum SweepOutputs {
    static func write(_ s: SweepReport, to dir: String, report: (String) -> Void) throws -> [String] {
        var plots = ["plot.svg"]
        try AtomicFile.write(s.csv(), to: dir + "/summary.csv")
        try AtomicFile.write(SweepPlots.svg(s), to: dir + "/plot.svg")
        do {
            if let png = try SweepPlots.png(s) {
                try AtomicFile.write([UInt8](png), to: dir + "/plot.png")
                plots.append("plot.png")
            }
        } catch {
            report("sweep: plot.png not written: \(error)")
        }
        try AtomicFile.write(s.markdown(plotFiles: plots), to: dir + "/summary.md")
        return plots
    }
}

/// The signal that asked a sweep to stop, set from the signal queue.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var signal: Int32?
    func set(_ s: Int32) { lock.lock(); signal = s; lock.unlock() }
    var value: Int32? { lock.lock(); defer { lock.unlock() }; return signal }
}
