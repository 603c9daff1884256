import Foundation
import TestSupport
import XCTest
import ACDC
import Tokenizer

let tasksDir = repoRoot + "/tasks"

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
