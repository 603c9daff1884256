import ACDC
import Foundation

/// acdc-bench: performance measurements of the engine.
///
///   acdc-bench forward [--runs N] [--threads 1,2] [--batch B] [--seq T] [--layers L] [--seed S] [--breakdown]
///   acdc-bench tokenize [--fixtures DIR] [--python TIMINGS.json]... [--interleave BENCH_TOKENIZERS.py [--rounds N]] [--repeats N]
let usage = """
usage: acdc-bench forward [--runs N] [--threads 1,2] [--batch B] [--seq T] [--layers L] [--seed S] [--breakdown]
       acdc-bench fixtures [--fixtures DIR] [--acdc PATH] [--repeats N]
       acdc-bench inprocess --experiment FILE [--threshold T] [--metric NAME] [--zero-ablation] [--repeats N]
       acdc-bench attribution [--fixtures DIR] [--repeats N] [--threads N] [--only tiny|d256|exact|gpt2] [--skip-gpt2-small]
       acdc-bench acdc [--shape gpt2-small|4layer] [--threads 1,2] [--threshold T] [--budget SECONDS] [--batch B] [--seq T] [--layers L] [--seed S] [--reference]
       acdc-bench tokenize [--fixtures DIR] [--python TIMINGS.json]... [--interleave BENCH_TOKENIZERS.py [--rounds N]] [--repeats N]
"""

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n" + usage + "\n").utf8))
    exit(2)
}

var args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else { fail("missing subcommand") }
args.removeFirst()

/// Hands `args` to `handle` as `--flag value` pairs; a flag in `switches`
/// takes no value and comes with nil.
func forEachFlag(_ args: [String], switches: Set<String> = [], _ handle: (String, String?) -> Void) {
    var args = args
    while !args.isEmpty {
        let flag = args.removeFirst()
        if switches.contains(flag) { handle(flag, nil); continue }
        guard !args.isEmpty else { fail("\(flag) needs a value") }
        handle(flag, args.removeFirst())
    }
}

func positiveInt(_ flag: String, _ value: String) -> Int {
    guard let v = Int(value), v > 0 else { fail("\(flag): expected a positive integer, got '\(value)'") }
    return v
}

func nonNegativeDouble(_ flag: String, _ value: String) -> Double {
    guard let v = Double(value), v.isFinite, v >= 0 else { fail("\(flag): expected a non-negative number, got '\(value)'") }
    return v
}

switch command {
case "forward":
    var bench = ForwardBenchmark()
    forEachFlag(args, switches: ["--breakdown"]) { flag, value in
        guard let value else { bench.breakdown = true; return }
        switch flag {
        case "--runs": bench.runs = positiveInt(flag, value)
        case "--batch": bench.batch = positiveInt(flag, value)
        case "--seq": bench.seqLen = positiveInt(flag, value)
        case "--layers": bench.layers = positiveInt(flag, value)
        case "--seed": bench.seed = UInt64(positiveInt(flag, value))
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
    forEachFlag(args, switches: ["--reference"]) { flag, value in
        guard let value else { bench.reference = true; return }
        switch flag {
        case "--batch": bench.batch = positiveInt(flag, value)
        case "--seq": bench.seqLen = positiveInt(flag, value)
        case "--layers": bench.layers = positiveInt(flag, value)
        case "--seed": bench.seed = UInt64(positiveInt(flag, value))
        case "--threshold": bench.threshold = nonNegativeDouble(flag, value)
        case "--budget": bench.budget = nonNegativeDouble(flag, value)
        case "--shape": bench.shape = value
        case "--entropy": bench.entropy = nonNegativeDouble(flag, value)
        case "--threads":
            let ts = value.split(separator: ",").compactMap { Int($0) }.filter { $0 == 1 || $0 == 2 }
            guard !ts.isEmpty else { fail("--threads: expected e.g. 1,2") }
            bench.threads = ts
        default: fail("unknown option \(flag)")
        }
    }
    do { try bench.run() } catch { fail("\(error)") }
case "fixtures":
    var bench = FixtureBenchmark()
    forEachFlag(args) { flag, value in
        switch flag {
        case "--fixtures": bench.fixtures = value!
        case "--acdc": bench.acdc = value!
        case "--repeats": bench.repeats = positiveInt(flag, value!)
        default: fail("unknown option \(flag)")
        }
    }
    do { try bench.run() } catch { fail("\(error)") }
case "inprocess":
    var bench = InProcessBenchmark()
    forEachFlag(args, switches: ["--zero-ablation"]) { flag, value in
        guard let value else { bench.options.zeroAblation = true; return }
        switch flag {
        case "--experiment": bench.experiment = value
        case "--metric": bench.options.metric = value
        case "--threshold": bench.options.threshold = nonNegativeDouble(flag, value)
        case "--repeats": bench.repeats = positiveInt(flag, value)
        default: fail("unknown option \(flag)")
        }
    }
    if bench.experiment.isEmpty { fail("inprocess needs --experiment FILE") }
    do { try bench.run() } catch { fail("\(error)") }
case "tokenize":
    var bench = TokenizerBenchmark()
    forEachFlag(args) { flag, value in
        switch flag {
        case "--fixtures": bench.fixtures = value!
        case "--python": bench.python.append(value!)
        case "--interleave": bench.interleave = value!
        case "--rounds": bench.rounds = positiveInt(flag, value!)
        case "--repeats": bench.repeats = positiveInt(flag, value!)
        default: fail("unknown option \(flag)")
        }
    }
    do { try bench.run() } catch { fail("\(error)") }
case "attribution":
    var bench = AttributionBenchmark()
    forEachFlag(args, switches: ["--skip-gpt2-small"]) { flag, value in
        guard let value else { bench.skipGPT2Small = true; return }
        switch flag {
        case "--fixtures": bench.fixtures = value
        case "--repeats": bench.repeats = positiveInt(flag, value)
        case "--threads": bench.threads = positiveInt(flag, value)
        case "--only": bench.only = value
        default: fail("unknown option \(flag)")
        }
    }
    do { try bench.run() } catch { fail("\(error)") }
case "-h", "--help", "help":
    print(usage)
default:
    fail("unknown subcommand '\(command)'")
}
