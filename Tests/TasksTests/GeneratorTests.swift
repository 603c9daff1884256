import XCTest
import TestSupport
import ACDC
@testable import Tasks

/// The regenerated prompts must be the reference's own (TASK_DATA.md tables,
/// extracted to Tests/Fixtures/task-data by scripts/extract_task_tables.py).
final class GeneratorTests: XCTestCase {
    func testIOIPromptsEqualReference() throws {
        let rows = try loadJSON(fixture("task-data/ioi.json"))["rows"]!.array!
        let prompts = IOIGenerator.prompts()
        XCTAssertEqual(prompts.count, 200)
        for (i, (p, r)) in zip(prompts, rows).enumerated() {
            XCTAssertEqual(p.clean, r["clean_text"]!.string!, "row \(i) clean")
            XCTAssertEqual(p.corrupted, r["corrupted_text"]!.string!, "row \(i) corrupted")
            if p.clean != r["clean_text"]!.string! { break }
        }
    }

    func testDocstringPromptsEqualReference() throws {
        let rows = try loadJSON(fixture("task-data/docstring.json"))["rows"]!.array!
        XCTAssertEqual(rows.count, DocstringGenerator.count)
        for r in rows {
            let seed = r["seed"]!.int!
            let p = DocstringGenerator.prompt(seed: seed)
            XCTAssertEqual(p.clean, r["clean"]!.string!, "seed \(seed) clean")
            XCTAssertEqual(p.corrupted, r["corrupted"]!.string!, "seed \(seed) corrupted")
            XCTAssertEqual(p.correct, r["correct"]!.string!, "seed \(seed) correct")
            XCTAssertEqual(p.wrong, r["wrong"]!.array!.map { $0.string! }, "seed \(seed) wrong")
        }
    }

    func testGreaterThanYearsSuffixesAndPrompts() throws {
        let ref = try loadJSON(fixture("task-data/greaterthan.json"))
        let gen = GreaterThanGenerator(tokenizer: gpt2)
        let years = gen.years()
        let expectedYears = (11...17).flatMap { ref["years_by_century"]!["\($0)"]!.ints }
        XCTAssertEqual(years.count, 604)
        XCTAssertEqual(years, expectedYears)
        XCTAssertEqual(try gen.suffixTokens(), ref["suffix_tokens"]!.ints)
        let prompts = try gen.prompts()
        for (i, (p, r)) in zip(prompts, ref["rows"]!.array!).enumerated() {
            XCTAssertEqual(p.text, r["text"]!.string!, "row \(i)")
            XCTAssertEqual(p.tokens, r["tokens"]!.ints, "row \(i)")
        }
    }
}

/// The reference RNG emulations against values the spec lists.
final class ReferenceRandomTests: XCTestCase {
    func testTorchRandpermMatchesReference() {
        // torch.manual_seed(42); torch.randperm(50) (TASK_DATA.md §4).
        var g = TorchGenerator(seed: 42)
        XCTAssertEqual(g.randperm(50), [42, 17, 30, 34, 20, 25, 0, 8, 36, 18, 28, 39, 3, 2, 41, 1, 37, 6, 14, 12, 11, 32,
                                        43, 16, 5, 38, 31, 44, 26, 45, 15, 47, 4, 10, 21, 19, 33, 27, 13, 48, 46, 23, 22,
                                        35, 7, 24, 49, 29, 40, 9])
        // torch.manual_seed(49); torch.randperm(4) (TASK_DATA.md §5).
        XCTAssertEqual(tracrPositionPermutation(seqLen: 4), [2, 3, 0, 1])
    }

    func testMersenneTwisterKnownOutputs() {
        // MT19937 reference: init_genrand(5489) first output 3499211612;
        // init_by_array([0x123, 0x234, 0x345, 0x456]) first output 1067595299.
        var a = MersenneTwister(seed: 5489)
        XCTAssertEqual(a.next(), 3_499_211_612)
        var b = MersenneTwister(key: [0x123, 0x234, 0x345, 0x456])
        XCTAssertEqual(b.next(), 1_067_595_299)
    }

    /// Values from CPython 3 (`random.seed(s)` then the calls named).
    func testPythonRandomMatchesCPython() {
        // choice of a one-element list still draws 1-bit words until one is 0: seed 0's first
        // word has its top bit set, so two words go.
        var a = PythonRandom(seed: 0)
        _ = a.below(1)
        XCTAssertEqual(a.bits(32), 3_255_389_356)
        var b = PythonRandom(seed: 9)
        _ = b.choice(["x"])
        XCTAssertEqual(b.bits(32), 2_633_739_374)
        // sample: rejection-set strategy (n = 111 > 85), then pool strategy (n = 20 <= 85).
        var c = PythonRandom(seed: 3)
        XCTAssertEqual(c.sample(Array(0..<111), 15), [30, 75, 69, 16, 47, 77, 60, 80, 74, 8, 1, 107, 33, 70, 29])
        XCTAssertEqual(c.sample(Array(0..<20), 8), [6, 15, 17, 18, 12, 10, 13, 2])
    }

    /// `np.random.seed(2036); [np.random.randint(99) for _ in range(6)]` with NumPy.
    func testNumpyLegacyRandintMatchesNumPy() {
        var r = NumpyRandomState(seed: 2036)
        XCTAssertEqual((0..<6).map { _ in r.randint(99) }, [24, 29, 2, 72, 11, 35])
    }
}
