import Checkpoint

/// `scores.h5` of `acdc attribute`: the same content as `scores.json`.
/// Layout: root string attributes (`format` "acdc-scores/1", `method`,
/// `metric`, `experiment`, …, all as given), datasets `edges/name`
/// (library naming and order) and `edges/score` (float32).
public enum ScoresHDF5 {
    public static func write(edges: [String], scores: [Float], attributes: [(String, String)], to path: String) throws {
        try AtomicHDF5.write(to: path) { f in
            for (k, v) in attributes { try f.setAttribute(k, to: v) }
            try f.createGroup("edges")
            try f.writeStrings(edges, to: "edges/name", encoding: .fixedLength)
            try f.write(scores, to: "edges/score")
        }
    }
}
