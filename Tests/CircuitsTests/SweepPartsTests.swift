import XCTest
import TestSupport
@testable import ACDC
@testable import Circuits
import Transformer

final class ThresholdSpecTests: XCTestCase {
    func testList() throws {
        XCTAssertEqual(try ThresholdSpec.parse("0.001,0.01,0.1"), [0.001, 0.01, 0.1])
        XCTAssertEqual(try ThresholdSpec.parse(" 1e-5 , 0 "), [1e-5, 0])
    }

    func testLogGrid() throws {
        XCTAssertEqual(try ThresholdSpec.parse("log:1e-4:1e-1:4"), [1e-4, 1e-3, 1e-2, 1e-1])
        // The reference's tracr grid 10^linspace(−5, −1, 21): steps of 0.2 in log10.
        let grid = try ThresholdSpec.parse("log:1e-5:1e-1:21")
        XCTAssertEqual(grid.count, 21)
        for (i, v) in grid.enumerated() {
            XCTAssertEqual(v, pow(10, -5 + 0.2 * Double(i)), accuracy: 1e-12 * v, "point \(i)")
        }
        XCTAssertEqual(grid.first, 1e-5)
        XCTAssertEqual(grid.last, 1e-1)
        XCTAssertEqual(try ThresholdSpec.parse("log:1e-1:1e-3:3"), [1e-1, 1e-2, 1e-3], "descending grids work too")
        XCTAssertEqual(try ThresholdSpec.parse("log:0.5:0.5:1"), [0.5])
    }

    func testBadSpecs() {
        for (spec, message) in [
            ("log:1e-4:1e-1", "expected log:START:END:COUNT"),
            ("log:0:1:3", "must be positive"),
            ("log:-1:1:3", "must be positive"),
            ("log:a:1:3", "START and END must be numbers"),
            ("log:1e-4:1e-1:0", "COUNT must be an integer"),
            ("log:1e-4:1e-1:x", "COUNT must be an integer"),
            ("log:1e-4:1e-1:1", "COUNT 1 needs START == END"),
            ("0.1,,0.2", "empty entry"),
            ("", "empty entry"),
            ("0.1,abc", "'abc' is not a finite number"),
            ("0.1,inf", "'inf' is not a finite number"),
            ("0.1,0.10", "appears twice"),
        ] {
            XCTAssertThrowsError(try ThresholdSpec.parse(spec), spec) {
                let m = ($0 as? ACDCError)?.message ?? ""
                XCTAssertTrue(m.hasPrefix("--thresholds '\(spec)': ") && m.contains(message), "\(spec): \(m)")
            }
        }
    }

    func testDirectoryNamesReadBack() {
        XCTAssertEqual(ThresholdSpec.directoryName(0.001), "thr-0.001")
        XCTAssertEqual(ThresholdSpec.directoryName(1e-5), "thr-1e-05")
        for t in (try? ThresholdSpec.parse("log:1e-5:1e-1:21")) ?? [] {
            XCTAssertEqual(Double(ThresholdSpec.text(t)), t, "threshold text must round-trip")
        }
    }
}

final class ROCTests: XCTestCase {
    func testSpecExample() {
        // ACDC.md §8.3: (0,0), (0.5,0.5), (1,1) give 0.25.
        XCTAssertEqual(ROC.auc([.init(threshold: nil, fpr: 0, tpr: 0), .init(threshold: 1, fpr: 0.5, tpr: 0.5),
                                .init(threshold: nil, fpr: 1, tpr: 1)]), 0.25, accuracy: 1e-15)
    }

    func testHandComputedSweep() {
        // Universe of 10 edges, canonical {a, b, c, d, e}.
        let canonical: Set<String> = ["a", "b", "c", "d", "e"]
        let runs: [(Double, Set<String>)] = [
            (0.1, ["a"]),                              // TPR 0.2, FPR 0
            (0.01, ["a", "b", "c", "x"]),              // TPR 0.6, FPR 0.2
            (0.005, ["a", "b", "x", "y"]),             // TPR 0.4, FPR 0.4: dominated by the point above
            (0.001, ["a", "b", "c", "d", "x", "y", "z"]), // TPR 0.8, FPR 0.6
            (1e-7, ["a", "b", "c", "d", "e"]),         // below 1e-6: left out as in the paper
        ]
        let r = ROC.rates(recovered: runs[1].1, canonical: canonical, universe: 10)
        XCTAssertEqual(r, ROC.Rates(truePositives: 3, falsePositives: 1, falseNegatives: 2, trueNegatives: 4))
        XCTAssertEqual(r.tpr, 0.6); XCTAssertEqual(r.fpr, 0.2)
        let points = runs.map { t, s -> ROC.Point in
            let x = ROC.rates(recovered: s, canonical: canonical, universe: 10)
            return ROC.Point(threshold: t, fpr: x.fpr, tpr: x.tpr)
        }
        let curve = ROC.curve(points)
        XCTAssertEqual(curve.map(\.threshold), [nil, 0.1, 0.01, 0.005, 0.001, nil])
        XCTAssertEqual(curve.first.map { [$0.fpr, $0.tpr] }, [0, 0])
        XCTAssertEqual(curve.last.map { [$0.fpr, $0.tpr] }, [1, 1])
        // Pareto: (0,0) (0,0.2) (0.2,0.6) (0.6,0.8) (1,1); (0.4,0.4) dropped.
        // AUC = 1·0.2 + 0.8·0.4 + 0.4·0.2 + 0·0.2 = 0.6
        XCTAssertEqual(ROC.auc(curve), 0.6, accuracy: 1e-12)
    }

    func testNodeNormalisationMatchesPaperCounts() throws {
        // ACDC.md §9.1: normalised node universes 35 (tracr-reverse) and 19
        // (tracr-proportion); canonical circuits 16 and 11 nodes.
        for (name, universe, canonical) in [("tracr-reverse", 35, 16), ("tracr-proportion", 19, 11)] {
            let exp = try Experiment.load(path: fixture(name + "/experiment.json"))
            let graph = ComputationalGraph(config: try ModelConfig.load(file: exp.modelPath + "/config.json"), usePosEmbed: true)
            XCTAssertEqual(ROC.nodeUniverse(graph).count, universe, name)
            let mask = try EdgeList.mask(try EdgeList.load(path: fixture(name + "/ground_truth.json")), graph: graph)
            let ends = graph.edges.indices.filter { mask[$0] }.map { (child: graph.nodes[graph.edges[$0].child], parent: graph.nodes[graph.edges[$0].parent]) }
            XCTAssertEqual(ROC.nodes(of: ends).count, canonical, name)
        }
        XCTAssertEqual(ROC.normalizedNode(.input(2, head: 1, .q)), "blocks.2.hook_q[:,:,1]")
        XCTAssertNil(ROC.normalizedNode(.mlpIn(0)))
    }
}

final class SlurmScriptTests: XCTestCase {
    func testScriptContent() throws {
        let args = ["sweep", "--experiment", "/data/my exps/e.json", "--thresholds", "0.1,0.01,0.001", "--zero-ablation", "--out", "/scratch/sw"]
        let job = SlurmScript(executable: "/opt/acdc/bin/acdc", sweepArguments: args, thresholds: [0.1, 0.01, 0.001],
                              jobs: 2, outDir: "/scratch/sw", name: "e", cpusPerTask: 2, extraOptions: ["--partition=cpu", "--time=1:00:00"])
        let s = job.render()
        let lines = s.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "#!/bin/bash")
        XCTAssertTrue(lines.contains("#SBATCH --array=0-2%2"))
        XCTAssertTrue(lines.contains("#SBATCH --job-name=acdc-sweep-e"))
        XCTAssertTrue(lines.contains("#SBATCH --output=/scratch/sw/logs/slurm-%A_%a.out"))
        XCTAssertTrue(lines.contains("#SBATCH --open-mode=append"), "Slurm's own lines of every attempt are kept")
        XCTAssertTrue(lines.contains("#SBATCH --cpus-per-task=2"))
        XCTAssertTrue(lines.contains("#SBATCH --requeue"))
        XCTAssertTrue(lines.contains("# Generated by `acdc sweep --slurm`; submit with: sbatch --partition=cpu --time=1:00:00 /scratch/sw/sweep.slurm"), s)
        XCTAssertTrue(lines.contains("# Task i runs threshold i of: 0.1 0.01 0.001"))
        XCTAssertTrue(lines.contains(#"log=/scratch/sw/logs/"slurm-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.attempt-${attempt}.out""#), s)
        XCTAssertEqual(lines.last, "exec /opt/acdc/bin/acdc sweep --experiment '/data/my exps/e.json' --thresholds 0.1,0.01,0.001 --zero-ablation --out /scratch/sw --array-index \"$SLURM_ARRAY_TASK_ID\"")
        // No job limit without --jobs.
        XCTAssertTrue(SlurmScript(executable: "/a", sweepArguments: ["sweep"], thresholds: [1, 2], jobs: nil, outDir: "/o", name: "n", cpusPerTask: 1)
            .render().contains("#SBATCH --array=0-1\n"))
        // The script is valid bash.
        let path = try temporaryDirectory(self) + "/sweep.slurm"
        try s.write(toFile: path, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-n", path]
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
    }

    /// Run as Slurm runs it (the variables Slurm sets, `exec` of a stand-in
    /// acdc), the script writes one log per attempt and passes the task index.
    func testScriptLogsEachAttemptToItsOwnFile() throws {
        let tmp = try temporaryDirectory(self)
        let fake = tmp + "/acdc"
        try "#!/bin/bash\necho \"args: $*\"\n".write(toFile: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
        let out = tmp + "/sweep 100%"
        try FileManager.default.createDirectory(atPath: out + "/logs", withIntermediateDirectories: true)
        let job = SlurmScript(executable: fake, sweepArguments: ["sweep", "--out", out], thresholds: [0.1, 0.2], jobs: nil,
                              outDir: out, name: "n", cpusPerTask: 2)
        try job.render().write(toFile: job.path, atomically: true, encoding: .utf8)
        for restart in [nil, "1"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [job.path]
            var env = ["SLURM_ARRAY_JOB_ID": "77", "SLURM_ARRAY_TASK_ID": "1", "PATH": "/usr/bin:/bin"]
            if let restart { env["SLURM_RESTART_COUNT"] = restart }
            p.environment = env
            p.standardOutput = Pipe()
            try p.run(); p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
        }
        for attempt in 0...1 {
            let log = try String(contentsOfFile: "\(out)/logs/slurm-77_1.attempt-\(attempt).out", encoding: .utf8)
            XCTAssertEqual(log, "args: sweep --out \(out) --array-index 1\n", "attempt \(attempt)")
        }
        // The literal % of the sweep directory is escaped where Slurm expands patterns.
        XCTAssertTrue(job.render().contains("#SBATCH --output='\(tmp)/sweep 100%%/logs/slurm-%A_%a.out'\n"), job.render())
        let summary = job.summaryJobArguments(arrayJob: "77", summaryCommand: [fake, "sweep", "--summary-only"])
        XCTAssertTrue(summary.contains("--output=\(tmp)/sweep 100%%/logs/slurm-summary-%j.out"), "\(summary)")
        XCTAssertTrue(summary.contains("--dependency=afterany:77"), "\(summary)")
    }

    func testArraySpecAndSbatchOptions() throws {
        XCTAssertEqual(SlurmScript.arraySpec([0, 1, 2, 3], limit: nil), "0-3")
        XCTAssertEqual(SlurmScript.arraySpec([1, 2, 5, 7, 8], limit: 3), "1-2,5,7-8%3")
        XCTAssertEqual(SlurmScript.arraySpec([4], limit: nil), "4")
        XCTAssertEqual(SlurmScript.escapeFilenamePattern("/a/50%/b%j"), "/a/50%%/b%%j")
        XCTAssertEqual(try SlurmScript.splitOptions("  --partition=cpu   --time=2:00:00 -A 'my acct' --comment=\"a b\"  "),
                       ["--partition=cpu", "--time=2:00:00", "-A", "my acct", "--comment=a b"])
        XCTAssertEqual(try SlurmScript.splitOptions(""), [])
        XCTAssertThrowsError(try SlurmScript.splitOptions("--comment='open")) {
            XCTAssertTrue("\($0)".contains("unterminated quote"), "\($0)")
        }
        XCTAssertThrowsError(try SlurmScript.splitOptions("--time=1:00 --array=0-3")) {
            XCTAssertTrue("\($0)".contains("--array is set by acdc"), "\($0)")
        }
    }

    func testShellQuote() {
        XCTAssertEqual(shellQuote("plain/path-1.0"), "plain/path-1.0")
        XCTAssertEqual(shellQuote("it's"), "'it'\\''s'")
        XCTAssertEqual(shellQuote(""), "''")
        XCTAssertEqual(shellQuote("$HOME"), "'$HOME'")
    }
}

final class SweepStateTests: XCTestCase {
    func testStatesAndOptionMismatch() throws {
        let tmp = try temporaryDirectory(self)
        let spec = SweepSpec(sourceArguments: ["--experiment", "e.json"], expected: .init(zeroAblation: true),
                             thresholds: [0.001, 0.01, 0.1], outDir: tmp)
        XCTAssertEqual(spec.runCommand(0.01), ["run", "--experiment", "e.json", "--threshold=0.01", "--zero-ablation", "--out", tmp + "/thr-0.01"])
        // One word, so a negative threshold never reads as an option.
        XCTAssertEqual(spec.runCommand(-0.01)[3], "--threshold=-0.01")
        XCTAssertEqual(spec.resumeCommand(0.01), ["resume", tmp + "/thr-0.01"])
        // thr-0.001: finished; thr-0.01: a checkpoint only (interrupted); thr-0.1: nothing.
        let finished = try makeRunDirectory("tracr-reverse", options: reverseZero, in: tmp).dir
        try FileManager.default.moveItem(atPath: finished, toPath: spec.runDir(0.001))
        try FileManager.default.createDirectory(atPath: spec.runDir(0.01), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: spec.runDir(0.01) + "/checkpoint.h5", contents: Data())
        let states = try spec.states()
        guard case .finished(let r) = states[0] else { return XCTFail("finished run not recognised") }
        XCTAssertEqual(r.edgesKept, 15)
        guard case .interrupted = states[1] else { return XCTFail("checkpoint not recognised as interrupted") }
        guard case .fresh = states[2] else { return XCTFail("empty slot not fresh") }

        let other = SweepSpec(sourceArguments: [], expected: .init(metric: "l2", zeroAblation: false), thresholds: [0.001], outDir: tmp)
        XCTAssertThrowsError(try other.states()) {
            XCTAssertTrue(($0 as? ACDCError)?.message.contains("finished with other options: zero_ablation true (sweep: false)") == true, "\($0)")
        }
    }
}
