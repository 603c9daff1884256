import Foundation

/// Finding and reading the two files of a BPE vocabulary on disk.
enum VocabularyFiles {
    /// The file-name pairs we recognise, in order of preference: Hugging Face's layout, then
    /// the one OpenAI published with GPT-2.
    static let layouts: [(encoder: String, merges: String)] = [
        ("vocab.json", "merges.txt"),
        ("encoder.json", "vocab.bpe"),
    ]

    /// The encoder and merges paths inside `directory`.
    static func locate(in directory: String) throws(TokenizerError) -> (encoder: String, merges: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw TokenizerError(path: directory, problem: "tokenizer directory not found")
        }
        guard isDirectory.boolValue else {
            throw TokenizerError(path: directory, problem: "expected a tokenizer directory, found a file")
        }
        for layout in layouts {
            let encoder = join(directory, layout.encoder)
            let merges = join(directory, layout.merges)
            let hasEncoder = FileManager.default.fileExists(atPath: encoder)
            let hasMerges = FileManager.default.fileExists(atPath: merges)
            if hasEncoder && hasMerges { return (encoder, merges) }
            // Half a layout is almost certainly a partial download: name the missing half.
            if hasEncoder { throw TokenizerError(path: merges, problem: "file not found (needed next to \(layout.encoder))") }
            if hasMerges { throw TokenizerError(path: encoder, problem: "file not found (needed next to \(layout.merges))") }
        }
        throw TokenizerError(
            path: directory,
            problem: "no tokenizer files: expected vocab.json + merges.txt or encoder.json + vocab.bpe")
    }

    static func readBytes(_ path: String) throws(TokenizerError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TokenizerError(path: path, problem: "file not found")
        }
        guard !isDirectory.boolValue else {
            throw TokenizerError(path: path, problem: "expected a file, found a directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError(path: path, problem: "file could not be read")
        }
        return [UInt8](data)
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
