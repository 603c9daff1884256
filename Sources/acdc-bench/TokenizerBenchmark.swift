import ACDC
import Foundation
import Tokenizer

/// Encode throughput of the tokenizer.json reader on the parity fixtures' strings
/// (Tests/Fixtures/hf-tokenizers), one string per call on one thread, best of `repeats`
/// passes, next to the Python `tokenizers` library's time for the same calls when files
/// from scripts/bench_tokenizers.py are given (the best over all files: on a shared machine,
/// several Python runs spread over the benchmark's duration). Also times the GPT-2 fast path
/// (the shipped vocabulary) on the same strings.
struct TokenizerBenchmark {
    var fixtures = "Tests/Fixtures/hf-tokenizers"
    var gpt2Vocabulary = "tasks/gpt2-tokenizer"
    var python: [String] = []
    /// scripts/bench_tokenizers.py: run for each family just before timing ours on it, in
    /// `rounds` rounds, so both see the same load on a shared machine.
    var interleave: String?
    var rounds = 3
    var repeats = 5

    func run() throws {
        let stringsPath = fixtures + "/strings.json"
        guard let data = FileManager.default.contents(atPath: stringsPath),
              let strings = try JSONValue.parse(Array(data)).array?.compactMap(\.string) else {
            throw ACDCError("\(stringsPath): cannot read the fixture strings")
        }
        var reference: [String: (wall: Double, cpu: Double)] = [:]
        for file in python {
            guard let data = FileManager.default.contents(atPath: file), let pairs = try JSONValue.parse(Array(data)).objectPairs else {
                throw ACDCError("\(file): cannot read the Python timings")
            }
            for (family, value) in pairs {
                guard let wall = value["seconds"]?.double else { throw ACDCError("\(file): \(family): missing seconds") }
                let cpu = value["cpu_seconds"]?.double ?? wall
                let best = reference[family] ?? (wall, cpu)
                reference[family] = (min(best.wall, wall), min(best.cpu, cpu))
            }
        }
        let bytes = strings.reduce(0) { $0 + $1.utf8.count }
        print("\(strings.count) strings, \(bytes) bytes; encode without special tokens, one call per string, one thread, best of \(repeats)")
        print("family                 load ms   ours us/str    MB/s   python us/str   speedup (CPU)")
        let families = try FileManager.default.contentsOfDirectory(atPath: fixtures)
            .filter { FileManager.default.fileExists(atPath: fixtures + "/\($0)/tokenizer.json") }.sorted()
        var loaded: [String: (tokenizer: HuggingFaceTokenizer, load: Double)] = [:]
        for family in families {
            var tokenizer: HuggingFaceTokenizer?
            let load = Timing.of { tokenizer = try? HuggingFaceTokenizer(path: fixtures + "/" + family) }
            guard let tokenizer else { throw ACDCError("\(fixtures)/\(family): cannot load") }
            loaded[family] = (tokenizer, load.wall)
        }
        var ours: [String: Timing] = [:]
        for _ in 0..<(interleave == nil ? 1 : rounds) {
            for family in families {
                if let script = interleave {
                    let (wall, cpu) = try pythonTiming(script: script, family: family)
                    let best = reference[family] ?? (wall, cpu)
                    reference[family] = (min(best.wall, wall), min(best.cpu, cpu))
                }
                let tokenizer = loaded[family]!.tokenizer
                ours[family] = (ours[family] ?? .infinity).best(time(strings) { tokenizer.encode($0) })
            }
        }
        for family in families {
            row(family, load: loaded[family]!.load, time: ours[family]!, bytes: bytes, strings: strings.count,
                python: reference[family])
        }
        var fast: GPT2Tokenizer?
        let load = Timing.of { fast = try? GPT2Tokenizer(directory: gpt2Vocabulary) }
        if let fast {
            row("gpt2 (fast path, 50k)", load: load.wall, time: time(strings) { fast.encode($0) }, bytes: bytes,
                strings: strings.count, python: nil)
        }
    }

    /// One run of the Python timing script for one family: (wall, CPU) seconds.
    private func pythonTiming(script: String, family: String) throws -> (Double, Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--fixtures", fixtures, "--repeats", String(repeats), "--family", family]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let value = try JSONValue.parse(Array(data))[family],
              let wall = value["seconds"]?.double else {
            throw ACDCError("\(script) --family \(family): no timing (is the tokenizers package installed?)")
        }
        return (wall, value["cpu_seconds"]?.double ?? wall)
    }

    private func time(_ strings: [String], _ encode: (String) -> [Int]) -> Timing {
        var best = Timing.infinity
        var sink = 0
        for _ in 0..<repeats {
            best = best.best(Timing.of { for text in strings { sink &+= encode(text).count } })
        }
        if sink == 42 { print("") }  // keep the work observable
        return best
    }

    private func row(_ family: String, load: Double, time: Timing, bytes: Int, strings: Int,
                     python: (wall: Double, cpu: Double)?) {
        let perString = time.cpu / Double(strings) * 1e6
        var line = family.padding(toLength: 22, withPad: " ", startingAt: 0)
            + pad(format(load * 1000, 1), 8) + pad(format(perString, 2), 14) + pad(format(Double(bytes) / time.cpu / 1e6, 1), 8)
        if let python {
            line += pad(format(python.cpu / Double(strings) * 1e6, 2), 16) + pad(format(python.cpu / time.cpu, 2) + "x", 16)
        }
        print(line)
    }

    private func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
