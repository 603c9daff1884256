import Foundation

/// One IOI prompt: the clean sentence and its ABC corruption (TASK_DATA.md §1.5).
public struct IOIPrompt: Equatable, Sendable {
    public var clean: String
    public var corrupted: String
    /// The indirect object (the answer) and the subject of the clean prompt.
    public var io: String
    public var s: String
}

/// Regenerates the reference's `IOIDataset(prompt_type="ABBA", N=200, nb_templates=1,
/// seed=0)` and its ABC corruption with the same random streams, so the prompts are
/// the reference's own, not merely similar ones.
public enum IOIGenerator {
    public static let count = 200

    public static func prompts() -> [IOIPrompt] {
        // Clean prompts: Python random seeded with (0 + 987654321) mod 123456789.
        var py = PythonRandom(seed: 9)
        var prompts: [IOIPrompt] = []
        for _ in 0..<count {
            let template = py.choice([IOIWords.template])
            var a = "", b = "", c = ""
            while Set([a, b, c]).count < 3 {
                a = py.choice(IOIWords.names); b = py.choice(IOIWords.names); c = py.choice(IOIWords.names)
            }
            let place = py.choice(IOIWords.places), object = py.choice(IOIWords.objects)
            let text = template.replacingAll("[A]", with: a).replacingAll("[B]", with: b)
                .replacingAll("[PLACE]", with: place).replacingAll("[OBJECT]", with: object)
            prompts.append(IOIPrompt(clean: text, corrupted: text, io: a, s: b))
        }
        // ABC corruption: three flips over every prompt's words (split on single spaces), flip k
        // (1, 2, 3) with NumPy legacy seed (k + 345467) mod 5432 = 3252, 3253, 3254. (TASK_DATA.md
        // §1.5 prints 2036-2038, a slip in its arithmetic: only 3252-3254 reproduce its own tables.)
        var np = NumpyRandomState(seed: flipSeed(1))
        for i in prompts.indices {          // IO -> random name (not IO, not S), first two occurrences
            var name = IOIWords.names[np.randint(IOIWords.names.count)]
            while name == prompts[i].io || name == prompts[i].s { name = IOIWords.names[np.randint(IOIWords.names.count)] }
            var words = prompts[i].corrupted.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            replace(&words, prompts[i].io, with: name, occurrences: 2)
            prompts[i].corrupted = words.joined(separator: " ")
        }
        np = NumpyRandomState(seed: flipSeed(2))
        var subject = prompts.map(\.s)
        for i in prompts.indices {          // S -> random name: first, then last occurrence
            let name = IOIWords.names[np.randint(IOIWords.names.count)]
            var words = prompts[i].corrupted.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            if let f = words.firstIndex(of: subject[i]) { words[f] = name }
            if let l = words.lastIndex(of: subject[i]) { words[l] = name }
            subject[i] = name
            prompts[i].corrupted = words.joined(separator: " ")
        }
        np = NumpyRandomState(seed: flipSeed(3))
        for i in prompts.indices {          // first S occurrence -> another random name
            let name = IOIWords.names[np.randint(IOIWords.names.count)]
            var words = prompts[i].corrupted.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            replace(&words, subject[i], with: name, occurrences: 1)
            prompts[i].corrupted = words.joined(separator: " ")
        }
        return prompts
    }

    private static func flipSeed(_ k: UInt32) -> UInt32 { (k + 345_467) % 5_432 }

    private static func replace(_ words: inout [String], _ old: String, with new: String, occurrences: Int) {
        var left = occurrences
        for k in words.indices where left > 0 && words[k] == old { words[k] = new; left -= 1 }
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        components(separatedBy: target).joined(separator: replacement)
    }
}
