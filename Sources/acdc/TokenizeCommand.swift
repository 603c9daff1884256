import ACDC
import ArgumentParser
import Foundation
import Tokenizer

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize JSON lines with a model's tokenizer.json, or decode ids.",
        discussion: """
        Reads stdin line by line: each line is one JSON string (or, with --decode, one JSON \
        array of ids) and writes one JSON array of ids (or one JSON string) per line on \
        stdout, exactly as the Hugging Face `tokenizers` library would. Special tokens \
        written in the text are always recognised; --add-special-tokens also adds the \
        template's tokens (e.g. BOS). With --decode, --skip-special-tokens leaves special \
        tokens out of the text.
        """)

    @Option(help: "A tokenizer.json file, or a model directory holding one (or GPT-2 vocab.json + merges.txt).")
    var tokenizer: String

    @Flag(help: "Add the post-processor's special tokens (BOS/EOS) when encoding.")
    var addSpecialTokens = false

    @Flag(help: "Decode id arrays to text instead of encoding text.")
    var decode = false

    @Flag(help: "With --decode: leave special tokens out of the text.")
    var skipSpecialTokens = false

    func validate() throws {
        if decode && addSpecialTokens { throw ValidationError("--add-special-tokens applies to encoding, not --decode") }
        if skipSpecialTokens && !decode { throw ValidationError("--skip-special-tokens needs --decode") }
    }

    mutating func run() throws {
        let loaded: any TextTokenizer
        do { loaded = try TokenizerFiles.load(tokenizer) } catch { throw ACDCError("\(error)") }
        var lineNumber = 0
        var output = ""
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            let value: JSONValue
            do { value = try JSONValue.parse(Array(line.utf8)) } catch {
                throw ACDCError("stdin line \(lineNumber): \(error)")
            }
            if decode {
                guard let array = value.array, case let ids = array.compactMap(\.int), ids.count == array.count else {
                    throw ACDCError("stdin line \(lineNumber): expected a JSON array of integer ids")
                }
                output += JSONValue.string(loaded.decode(ids, skipSpecialTokens: skipSpecialTokens)).serialized()
            } else {
                guard let text = value.string else { throw ACDCError("stdin line \(lineNumber): expected a JSON string") }
                let ids = loaded.encode(text, addSpecialTokens: addSpecialTokens)
                output += "[" + ids.map(String.init).joined(separator: ",") + "]"
            }
            output += "\n"
            if output.utf8.count > 1 << 16 { FileHandle.standardOutput.write(Data(output.utf8)); output = "" }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}
