import ACDC
import Foundation

/// acdc-bench: performance measurements of the engine.
///
///   acdc-bench forward [--runs N] [--threads 1,2] [--batch B] [--seq T] [--layers L] [--seed S] [--breakdown]
let usage = """
usage: acdc-bench forward [--runs N] [--threads 1,2] [--batch B] [--seq T] [--layers L] [--seed S] [--breakdown]
       acdc-bench fixtures [--fixtures DIR] [--acdc PATH] [--repeats N]
       acdc-bench inprocess --experiment FILE [--threshold T] [--metric NAME] [--zero-ablation] [--repeats N]
       acdc-bench acdc [--threshold T] [--budget SECONDS] [--batch B] [--seq T] [--layers L] [--seed S] [--reference]
"""

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n" + usage + "\n").utf8))
    exit(2)
}

var args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else { fail("missing subcommand") }
args.removeFirst()

switch command {
case "forward":
    var bench = ForwardBenchmark()
    while !args.isEmpty {
        let flag = args.removeFirst()
        if flag == "--breakdown" { bench.breakdown = true; continue }
        guard !args.isEmpty else { fail("\(flag) needs a value") }
        let value = args.removeFirst()
        func int() -> Int {
            guard let v = Int(value), v > 0 else { fail("\(flag): expected a positive integer, got '\(value)'") }
            return v
        }
        switch flag {
        case "--runs": bench.runs = int()
        case "--batch": bench.batch = int()
        case "--seq": bench.seqLen = int()
        case "--layers": bench.layers = int()
        case "--seed": bench.seed = UInt64(int())
        case "--threads":
            let ts = value.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
            guard !ts.isEmpty else { fail("--threads: expected e.g. 1,2") }
            bench.threads = ts
        default: fail("unknown option \(flag)")
        }
    }
    if bench.seqLen > 1024 { fail("--seq: at most n_ctx = 1024") }
    do { try bench.run() } catch { fail("\(error)") }
case "acdc":
    var bench = ACDCBenchmark()
    while !args.isEmpty {
        let flag = args.removeFirst()
        if flag == "--reference" { bench.reference = true; continue }
        guard !args.isEmpty else { fail("\(flag) needs a value") }
        let value = args.removeFirst()
        func int() -> Int {
            guard let v = Int(value), v > 0 else { fail("\(flag): expected a positive integer, got '\(value)'") }
            return v
        }
        func double() -> Double {
            guard let v = Double(value), v.isFinite, v >= 0 else { fail("\(flag): expected a non-negative number, got '\(value)'") }
            return v
        }
        switch flag {
        case "--batch": bench.batch = int()
        case "--seq": bench.seqLen = int()
        case "--layers": bench.layers = int()
        case "--seed": bench.seed = UInt64(int())
        case "--threshold": bench.threshold = double()
        case "--budget": bench.budget = double()
        default: fail("unknown option \(flag)")
        }
    }
    do { try bench.run() } catch { fail("\(error)") }
case "fixtures":
    var bench = FixtureBenchmark()
    while !args.isEmpty {
        let flag = args.removeFirst()
        guard !args.isEmpty else { fail("\(flag) needs a value") }
        let value = args.removeFirst()
        switch flag {
        case "--fixtures": bench.fixtures = value
        case "--acdc": bench.acdc = value
        case "--repeats":
            guard let v = Int(value), v > 0 else { fail("--repeats: expected a positive integer") }
            bench.repeats = v
        default: fail("unknown option \(flag)")
        }
    }
    do { try bench.run() } catch { fail("\(error)") }
case "inprocess":
    var bench = InProcessBenchmark()
    var zero = false, threshold = 0.005, metric = "kl_div"
    while !args.isEmpty {
        let flag = args.removeFirst()
        if flag == "--zero-ablation" { zero = true; continue }
        guard !args.isEmpty else { fail("\(flag) needs a value") }
        let value = args.removeFirst()
        switch flag {
        case "--experiment": bench.experiment = value
        case "--metric": metric = value
        case "--threshold":
            guard let v = Double(value), v.isFinite, v >= 0 else { fail("--threshold: expected a non-negative number") }
            threshold = v
        case "--repeats":
            guard let v = Int(value), v > 0 else { fail("--repeats: expected a positive integer") }
            bench.repeats = v
        default: fail("unknown option \(flag)")
        }
    }
    if bench.experiment.isEmpty { fail("inprocess needs --experiment FILE") }
    bench.options = ACDCOptions(threshold: threshold, metric: metric, zeroAblation: zero)
    do { try bench.run() } catch { fail("\(error)") }
case "-h", "--help", "help":
    print(usage)
default:
    fail("unknown subcommand '\(command)'")
}
