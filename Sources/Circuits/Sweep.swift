import ACDC
import Foundation

/// One threshold sweep: which experiment, which run options, which
/// thresholds, where. Every run is `acdc run ... --out SWEEP_DIR/thr-<t>`.
public struct SweepSpec: Sendable {
    /// `--experiment FILE` or `--task NAME` (plus `--model DIR`), passed to every run.
    public var sourceArguments: [String]
    /// Run options other than the threshold, passed to every run (`--metric l2`, `--zero-ablation`, …).
    public var runArguments: [String]
    public var thresholds: [Double]
    public var outDir: String
    /// What finished runs found in the sweep directory must have been run with
    /// (no threshold; no metric = the experiment's default).
    public var expected: ACDCOptions.Expected

    public init(sourceArguments: [String], expected: ACDCOptions.Expected, thresholds: [Double], outDir: String) {
        self.sourceArguments = sourceArguments; self.expected = expected
        self.runArguments = expected.arguments; self.thresholds = thresholds; self.outDir = outDir
    }

    public func runDir(_ t: Double) -> String { (outDir as NSString).appendingPathComponent(ThresholdSpec.directoryName(t)) }
    public func logPath(_ t: Double) -> String {
        ((outDir as NSString).appendingPathComponent("logs") as NSString).appendingPathComponent(ThresholdSpec.directoryName(t) + ".log")
    }

    /// Arguments (after the executable) that start the run of threshold `t`.
    public func runCommand(_ t: Double) -> [String] {
        // `--threshold=-0.01` in one word: a separate "-0.01" would read as an option.
        ["run"] + sourceArguments + ["--threshold=" + ThresholdSpec.text(t)] + runArguments + ["--out", runDir(t)]
    }

    /// Arguments that continue an interrupted run.
    public func resumeCommand(_ t: Double) -> [String] { ["resume", runDir(t)] }
}

/// Where one run of a sweep stands.
public enum SweepRunState {
    /// result.json says finished: skipped on re-runs.
    case finished(RunResult)
    /// A checkpoint or an unfinished result.json: continued with `acdc resume`.
    case interrupted
    /// Nothing there yet: started with `acdc run`.
    case fresh

    public static func of(runDir: String) throws -> SweepRunState {
        let fm = FileManager.default
        if fm.fileExists(atPath: RunResult.resultPath(runDir)) {
            let r = try RunResult.load(runDir: runDir)
            return r.finished ? .finished(r) : .interrupted
        }
        if fm.fileExists(atPath: (runDir as NSString).appendingPathComponent("checkpoint.h5")) { return .interrupted }
        return .fresh
    }
}

extension SweepSpec {
    /// The state of every run; a finished run whose options differ from the
    /// sweep's is an error (the sweep directory belongs to another sweep).
    public func states() throws -> [SweepRunState] {
        try thresholds.map { t in
            let s = try SweepRunState.of(runDir: runDir(t))
            if case .finished(let r) = s {
                if r.options.threshold != t {
                    throw ACDCError("\(r.resultPath): threshold \(r.options.threshold), but the directory is for \(t)")
                }
                if let why = expected.mismatch(r.options, expectedBy: "sweep") {
                    throw ACDCError("\(r.resultPath): finished with other options: \(why); use another --out or remove that run")
                }
            }
            return s
        }
    }
}
