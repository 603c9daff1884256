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
        threshold per task index (only the thresholds not finished yet; at most --jobs \
        at once when given) in which task i runs `acdc sweep <same options> \
        --array-index i` with this same acdc binary and then updates the summary. \
        Each task asks for as many CPUs as a run uses; partition, time limit, memory, \
        account and any other sbatch option go in --sbatch "ARGS" (e.g. --sbatch \
        "--partition=cpu --time=4:00:00"). When sbatch is on PATH the script is \
        submitted, followed by a dependent job running `acdc sweep <same options> \
        --summary-only`; with --no-submit, or without sbatch, the commands to submit \
        are printed. Each attempt of a task logs to \
        SWEEP_DIR/logs/slurm-<job>_<task>.attempt-<n>.out; a requeued (preempted) task \
        resumes its run from its checkpoint, and submitting the same command again \
        submits only the unfinished thresholds.
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

    @Option(parsing: .unconditionalSingleValue,
            help: ArgumentHelp("With --slurm: options for sbatch, e.g. \"--partition=cpu --time=2:00:00 --mem=4G\" (repeatable).",
                               valueName: "ARGS"))
    var sbatch: [String] = []

    @Flag(help: "With --slurm: write the scripts and print the sbatch commands, submit nothing.")
    var noSubmit = false

    @Option(help: "Run only the threshold at this 0-based index, then update the summary (what the Slurm tasks do).")
    var arrayIndex: Int?

    @Flag(help: "Run nothing; write the summary from the runs present.")
    var summaryOnly = false

    @Flag(help: "No progress lines on stderr.")
    var quiet = false

    @Flag(help: "Print the summary (with --slurm: what was submitted) as one JSON object on stdout.")
    var json = false

    func validate() throws {
        try source.requireOne()
        // The source and the search options validate themselves (option groups).
        if let j = jobs, j < 1 { throw ValidationError("--jobs must be at least 1") }
        if slurm && (arrayIndex != nil || summaryOnly) { throw ValidationError("--slurm cannot be combined with --array-index or --summary-only") }
        if !slurm && (noSubmit || !sbatch.isEmpty) { throw ValidationError("--sbatch and --no-submit go with --slurm") }
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

        // With every run finished there is nothing to submit: the summary is written here.
        if slurm, try submitSlurm(spec: spec, executable: exe, canonicalFile: canonicalFile, report: report) { return }
        var outcomes: [Int: SweepRunner.Outcome] = [:]
        if !summaryOnly && !slurm {
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
            if let i = arrayIndex {
                // Every task brings the summary up to date, so it is current when the
                // array's last task ends, whichever attempt of it that is.
                do { _ = try writeSummary(spec: spec, outcomes: outcomes, canonical: canonicalCircuit, report: report) } catch {
                    report("sweep: summary not updated: \(error)")
                }
                if case .failed(let why)? = outcomes[i] { throw ACDCError("\(ThresholdSpec.directoryName(values[i])): \(why)") }
                return
            }
        }
        let (summary, plots) = try writeSummary(spec: spec, outcomes: outcomes, canonical: canonicalCircuit, report: report)
        if json { print(summary.json(sweepDir: outDir).serialized()) }
        report("summary: \(outDir)/summary.csv, summary.md, \(plots.joined(separator: ", "))"
               + (summary.edgeAUC.map { String(format: "; edge AUC %.4f, node AUC %.4f", $0, summary.nodeAUC ?? 0) } ?? ""))
        let failed = summary.rows.filter { $0.status != "finished" }
        if !failed.isEmpty {
            throw ACDCError("\(failed.count) of \(values.count) runs not finished (\(failed.map { ThresholdSpec.directoryName($0.threshold) + ": " + $0.status }.joined(separator: ", "))); logs in \(outDir)/logs; run the same command again to retry")
        }
    }

    /// Reads the runs and writes summary.csv, summary.md and the plots, holding
    /// the sweep's summary lock: tasks of a Slurm array ending together each
    /// write it, and the last to take the lock sees every run.
    func writeSummary(spec: SweepSpec, outcomes: [Int: SweepRunner.Outcome], canonical: CanonicalCircuit?,
                      report: (String) -> Void) throws -> (SweepReport, [String]) {
        let options = spec.runArguments.isEmpty ? "" : " (\(spec.runArguments.joined(separator: " ")))"
        return try SweepOutputs.locked(spec.outDir) {
            let summary = try SweepReport(spec: spec, title: sweepName + options, outcomes: outcomes, canonical: canonical)
            return (summary, try SweepOutputs.write(summary, to: spec.outDir, report: report))
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

    /// Writes SWEEP_DIR/sweep.slurm for the unfinished thresholds and submits it
    /// with a dependent summary job (or prints the commands: --no-submit, no
    /// sbatch). False when every run is finished already: nothing to submit.
    func submitSlurm(spec: SweepSpec, executable: String, canonicalFile: String?, report: (String) -> Void) throws -> Bool {
        let states = try spec.states()
        let todo = states.indices.filter { if case .finished = states[$0] { return false } else { return true } }
        let n = spec.thresholds.count
        if todo.isEmpty {
            report("sweep: all \(n) runs finished already; nothing to submit")
            return false
        }
        let args = sweepArguments(spec: spec, canonicalFile: canonicalFile)
        let job = SlurmScript(executable: executable, sweepArguments: args, thresholds: spec.thresholds, indices: todo,
                              jobs: jobs, outDir: spec.outDir, name: sweepName, cpusPerTask: EvaluationSetup.maxThreads,
                              extraOptions: try sbatch.flatMap(SlurmScript.splitOptions))
        try FileManager.default.createDirectory(atPath: job.logDir, withIntermediateDirectories: true)
        try AtomicFile.write(job.render(), to: job.path)
        let summaryCommand = [executable] + args + ["--summary-only"]
        let what = todo.count == n ? "\(n) thresholds" : "the \(todo.count) unfinished of \(n) thresholds (\(n - todo.count) finished already)"
        guard !noSubmit, let sbatchTool = ExternalTools.find("sbatch") else {
            if json {
                print(JSONValue.object([("script", .string(job.path)), ("indices", .array(todo.map { .number(Double($0)) })),
                                        ("submit", .string(SlurmScript.command(["sbatch"] + job.extraOptions + [job.path]))),
                                        ("summary", .string(SlurmScript.command(summaryCommand)))]).serialized())
                return true
            }
            print("wrote \(job.path): a job array over \(what)\(noSubmit ? "" : " (sbatch not found on PATH)"). Submit it with:")
            print("  " + SlurmScript.command(["sbatch"] + job.extraOptions + [job.path]))
            print("Each task updates the summary when it ends; should one be killed first, write it with:")
            print("  " + SlurmScript.command(summaryCommand))
            return true
        }
        // sbatch retries a missing configuration file for a minute: say so at once.
        if let conf = ProcessInfo.processInfo.environment["SLURM_CONF"], !FileManager.default.fileExists(atPath: conf) {
            throw ACDCError("SLURM_CONF=\(conf): no such file, so sbatch cannot reach a controller; "
                            + "--no-submit writes the scripts and prints the sbatch commands without submitting")
        }
        let id: String
        do {
            id = try String(decoding: ExternalTools.run(sbatchTool, ["--parsable"] + job.extraOptions + [job.path], input: Data()), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        } catch let e as ACDCError {
            let why = e.message.contains("Unable to contact slurm controller") ? "no Slurm controller reachable (\(e.message))" : e.message
            throw ACDCError("\(job.path) not submitted: \(why); --no-submit writes the scripts and prints the sbatch commands without submitting")
        }
        var summaryJob: String? = nil
        do {
            summaryJob = try String(decoding: ExternalTools.run(sbatchTool, ["--parsable"] + job.summaryJobArguments(arrayJob: id, summaryCommand: summaryCommand),
                                                               input: Data()), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            report("sweep: summary job not submitted (\(error)); each task still updates the summary when it ends")
        }
        if json {
            print(JSONValue.object([("script", .string(job.path)), ("indices", .array(todo.map { .number(Double($0)) })),
                                    ("array_job", .string(id)), ("summary_job", summaryJob.map { .string($0) } ?? .null)]).serialized())
        } else {
            print("submitted \(job.path) as job array \(id) over \(what)"
                  + (summaryJob.map { "; summary job \($0) runs after it" } ?? "")
                  + "; each task updates \(spec.outDir)/summary.md when it ends; logs in \(job.logDir)")
        }
        return true
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
    /// Runs `body` holding an exclusive lock on SWEEP_DIR/.summary.lock (flock;
    /// released when the process ends, however it ends).
    static func locked<T>(_ dir: String, _ body: () throws -> T) throws -> T {
        let path = dir + "/.summary.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ACDCError("\(path): cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw ACDCError("\(path): cannot lock (\(String(cString: strerror(errno))))") }
        }
        return try body()
    }

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
