import Foundation
import XCTest
import TestSupport
import ACDC
import Tokenizer
@testable import Tasks

/// Text tasks take the model directory's tokenizer.json when it has one.
final class TaskTokenizerTests: XCTestCase {
    private func context(model: String) -> TaskContext { TaskContext(tasksDirectory: tasksDir, modelDirectory: model) }

    /// A model directory whose tokenizer.json is GPT-2's vocabulary: the IOI and Greater-Than
    /// experiments are exactly the ones built with the shipped GPT-2 tokenizer.
    func testGPT2TokenizerJSONGivesTheReferenceExperiments() throws {
        let scratch = ScratchDirectory()
        let model = scratch.file("gpt2-model")
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        try gpt2TokenizerJSON().write(toFile: model + "/tokenizer.json", atomically: true, encoding: .utf8)
        for task in [IOITask() as any StandardTask, GreaterThanTask()] {
            let viaJSON = try task.experiment(context(model: model))
            let shipped = try task.experiment(context(model: "/nonexistent/gpt2"))
            XCTAssertEqual(viaJSON.clean, shipped.clean, task.name)
            XCTAssertEqual(viaJSON.corrupted, shipped.corrupted, task.name)
            XCTAssertEqual(viaJSON.metrics.map(\.spec), shipped.metrics.map(\.spec), task.name)
        }
    }

    /// A small trained vocabulary: IOI's names are not single tokens, and the error names one.
    func testIOINameThatIsNotOneTokenIsNamed() throws {
        let model = fixture("hf-tokenizers/llama3")
        XCTAssertThrowsError(try IOITask().experiment(context(model: model))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("ioi: name \" "), message)
            XCTAssertTrue(message.contains("tokens in this tokenizer, the task needs it to be one token"), message)
            XCTAssertFalse(message.contains("\n"))
        }
    }

    func testGreaterThanYearThatIsNotOneTokenIsNamed() throws {
        let tokenizer = try HuggingFaceTokenizer(path: fixture("hf-tokenizers/wordlevel"))
        XCTAssertThrowsError(try GreaterThanGenerator(tokenizer: tokenizer).suffixTokens()) { error in
            XCTAssertEqual("\(error)", "greaterthan: two-digit year \"00\" is 2 tokens in this tokenizer, the task needs it to be one token")
        }
        XCTAssertThrowsError(try GreaterThanTask().experiment(context(model: fixture("hf-tokenizers/llama3")))) { error in
            XCTAssertTrue("\(error)".hasPrefix("greaterthan: "), "\(error)")
        }
    }
}
