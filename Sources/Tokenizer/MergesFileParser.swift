/// Parses a BPE merges file (`vocab.bpe` / `merges.txt`).
///
/// Format: an optional `#version: ...` first line, then one merge per line, `left right`,
/// highest priority first; a line's position is the merge's rank. Blank lines are ignored
/// (the files usually end with a newline), `\r\n` endings are accepted.
///
/// Works on raw bytes and returns ranges into them: the tokens are only ever looked up in
/// the vocabulary, so making 100k Strings would be wasted work at load time.
enum MergesFileParser {
    struct Merge: Equatable {
        var left: Range<Int>
        var right: Range<Int>
        /// 1-based line number in the file, for error messages.
        var line: Int
    }

    static func parse(_ bytes: [UInt8], path: String) throws(TokenizerError) -> [Merge] {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw TokenizerError(path: path, problem: "merges file is not valid UTF-8")
        }
        let newline = UInt8(ascii: "\n"), space = UInt8(ascii: " "), carriageReturn = UInt8(ascii: "\r")
        var merges: [Merge] = []
        merges.reserveCapacity(bytes.count / 8)
        var lineNumber = 0
        var lineStart = 0
        while lineStart < bytes.count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != newline { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            var contentEnd = lineEnd
            if contentEnd > lineStart, bytes[contentEnd - 1] == carriageReturn { contentEnd -= 1 }
            let line = bytes[lineStart..<contentEnd]
            if line.isEmpty { continue }
            if lineNumber == 1, line.starts(with: "#version".utf8) { continue }

            var spaceCount = 0, split = lineStart
            for index in line.indices where bytes[index] == space {
                spaceCount += 1
                split = index
            }
            guard spaceCount == 1, split > lineStart, split < contentEnd - 1 else {
                throw TokenizerError(
                    path: path,
                    problem: "line \(lineNumber): expected two tokens separated by one space, got \(describe(line))")
            }
            merges.append(Merge(left: lineStart..<split, right: (split + 1)..<contentEnd, line: lineNumber))
        }
        return merges
    }

    private static func describe(_ line: ArraySlice<UInt8>) -> String {
        let text = String(decoding: line, as: UTF8.self)
        let shown = text.count > 60 ? text.prefix(60) + "..." : Substring(text)
        return "\"" + shown.unicodeScalars.map { $0.escaped(asASCII: false) }.joined() + "\""
    }
}
