import XCTest
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
