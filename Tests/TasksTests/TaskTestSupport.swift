import Foundation
import XCTest
import ACDC
import Tokenizer

/// Repository root, from this file's location (Tests/TasksTests/…).
let repoRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

let tasksDir = repoRoot + "/tasks"

func fixture(_ path: String) -> String { repoRoot + "/Tests/Fixtures/" + path }

/// A JSON fixture as JSONValue.
func loadJSON(_ path: String) throws -> JSONValue {
    guard let data = FileManager.default.contents(atPath: path) else { throw ACDCError("\(path): missing") }
    return try JSONValue.parse(Array(data))
}

/// The shipped GPT-2 tokenizer, loaded once.
let gpt2: GPT2Tokenizer = try! GPT2Tokenizer(directory: tasksDir + "/gpt2-tokenizer")

extension JSONValue {
    var ints: [Int] { array!.map { $0.int! } }
}
