/// One docstring prompt (TASK_DATA.md §3.3): a method definition and a reST
/// docstring that documents two of its arguments; the model should name the third.
public struct DocstringPrompt: Equatable, Sendable {
    public var clean: String
    /// The `random_random` corruption: other names in the middle of the def and in the docstring.
    public var corrupted: String
    /// `" " + answer`.
    public var correct: String
    /// `" " + name` for the 13 other argument names, in the generator's order.
    public var wrong: [String]
}

/// Regenerates `docstring_induction_prompt_generator("rest", n_matching_args=3,
/// n_def_prefix_args=2, n_def_suffix_args=1, n_doc_prefix_args=0, met_desc_len=3,
/// arg_desc_len=2, seed=s)` with Python's random stream, for s = 0..<count.
public enum DocstringGenerator {
    public static let count = 100

    public static func prompt(seed: Int) -> DocstringPrompt {
        var py = PythonRandom(seed: UInt32(seed))
        let drawn = py.sample(DocstringWords.variableNames, 15)
        let method = drawn[0]
        let args = Array(drawn.dropFirst())               // 14, split in this order:
        // args[0]: random_answer (only a wrong answer here)
        let randMidDef = Array(args[1..<4])
        let randMidDoc = Array(args[4..<6])
        // args[6..<8]: not_matching (only wrong answers)
        let matching = Array(args[8..<11])
        let defPrefix = Array(args[11..<13])
        let defSuffix = [args[13]]
        let methodDesc = py.sample(DocstringWords.nouns, 3)
        let argDescs = (0..<2).map { _ in py.sample(DocstringWords.nouns, 2) }

        func text(def defArgs: [String], doc docArgs: [String]) -> String {
            var s = "\ndef \(method)(self, \(defArgs.joined(separator: ", "))):\n"
            s += "    \"\"\"\(methodDesc.joined(separator: " "))\n\n"
            for (name, desc) in zip(docArgs, argDescs) { s += "    :param \(name): \(desc.joined(separator: " "))\n" }
            return s + "    :param"
        }
        let answer = matching[2]
        return DocstringPrompt(
            clean: text(def: defPrefix + matching + defSuffix, doc: Array(matching[0..<2])),
            corrupted: text(def: defPrefix + randMidDef + defSuffix, doc: randMidDoc),
            correct: " " + answer,
            wrong: args.filter { $0 != answer }.map { " " + $0 })
    }

    public static func prompts() -> [DocstringPrompt] { (0..<count).map { prompt(seed: $0) } }
}
