import XCTest
@testable import Tokenizer

/// The IOI prompts in the ACDC task data (spec TASK_DATA.md, 1.6.1) list the token ids the
/// model was fed; our tokenizer must reproduce them exactly.
final class IOIPromptTests: XCTestCase {
    /// Row 0: clean "Then, Mary and Jeffrey went to the restaurant. Jeffrey gave a bone to Mary".
    func testFirstCleanIOIPromptMatchesListedIDs() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        let ids = tokenizer.encode("Then, Mary and Jeffrey went to the restaurant. Jeffrey gave a bone to Mary")
        XCTAssertEqual(Array(ids.prefix(15)), [6423, 11, 5335, 290, 19627, 1816, 284, 262, 7072, 13, 19627, 2921, 257, 9970, 284])
        // The final token is the indirect object, listed as 5335 (" Mary").
        XCTAssertEqual(ids.count, 16)
        XCTAssertEqual(ids.last, 5335)
    }

    /// Row 0: corrupted "Then, Melissa and Nicole went to the restaurant. Anthony gave a bone to Melissa".
    func testFirstCorruptedIOIPromptMatchesListedIDs() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        let ids = tokenizer.encode("Then, Melissa and Nicole went to the restaurant. Anthony gave a bone to Melissa")
        XCTAssertEqual(Array(ids.prefix(15)), [6423, 11, 24164, 290, 25176, 1816, 284, 262, 7072, 13, 9953, 2921, 257, 9970, 284])
    }

    func testNameTokensHaveTheListedIDs() throws {
        let tokenizer = try TokenizerTestSupport.gpt2()
        XCTAssertEqual(tokenizer.encode(" Mary"), [5335])
        XCTAssertEqual(tokenizer.encode(" Jeffrey"), [19627])
        XCTAssertEqual(tokenizer.id(of: "\u{120}Mary"), 5335)
        XCTAssertEqual(tokenizer.id(of: "\u{120}Melissa"), 24164)
        XCTAssertEqual(tokenizer.token(5335), "\u{120}Mary")
        XCTAssertEqual(tokenizer.decode([5335]), " Mary")
    }
}
