import ACDC
import Foundation
import Transformer

/// What a run was computed from, as stored in its checkpoint: the experiment
/// and the model, each by path (for people) and fingerprint (for the resume
/// check). A resume whose inputs fingerprint differently is refused, because
/// continuing would splice two different computations into one trace.
public struct RunIdentity: Equatable, Sendable {
    /// Where the experiment came from: a file path or a task name. Informative only;
    /// a resume reads the run directory's own `experiment.json`.
    public var experimentPath: String
    /// `Fingerprint` of `RunIdentity.canonicalExperiment(_:)`.
    public var experimentHash: String
    /// Absolute model directory.
    public var modelPath: String
    /// `RunIdentity.modelFingerprint(directory:)`.
    public var modelHash: String

    public init(experimentPath: String, experimentHash: String, modelPath: String, modelHash: String) {
        self.experimentPath = experimentPath; self.experimentHash = experimentHash
        self.modelPath = modelPath; self.modelHash = modelHash
    }

    /// Files whose content defines a model directory, in hashing order: the
    /// config, then `model.safetensors` (or a sharded model's index and shards).
    public static func modelFiles(directory: String) throws -> [String] {
        let weights: [String]
        do { weights = try HookedTransformer.weightFiles(directory: directory) } catch let e as ModelError {
            throw CheckpointError(e.message)
        }
        return ["config.json"] + weights
    }

    /// Fingerprint of a model directory: its config and its weights, each
    /// hashed by content and combined with their names, so that renaming or
    /// swapping files also changes the identity.
    public static func modelFingerprint(directory: String) throws -> String {
        var parts: [String] = []
        for name in try modelFiles(directory: directory) {
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else {
                throw CheckpointError(path: path, "missing model file (cannot fingerprint the model)")
            }
            parts.append("\(name)=\(try Fingerprint.of(file: path))")
        }
        return Fingerprint.of(string: parts.joined(separator: "\n"))
    }

    /// The experiment's canonical serialisation: `Experiment.json()` with the
    /// model as an absolute path, one-space indented, newline-terminated.
    /// `RUN_DIR/experiment.json` holds exactly these bytes, and the checkpoint's
    /// `experiment_hash` is their fingerprint.
    public static func canonicalExperiment(_ experiment: Experiment) -> String {
        var e = experiment
        e.model = absolutePath(e.modelPath)
        return e.json().serialized(indent: 1) + "\n"
    }

    public static func experimentFingerprint(_ experiment: Experiment) -> String {
        Fingerprint.of(string: canonicalExperiment(experiment))
    }

    /// Identity of a run over `experiment` (model hashed from disk).
    public static func of(experiment: Experiment, experimentPath: String) throws -> RunIdentity {
        RunIdentity(experimentPath: experimentPath, experimentHash: experimentFingerprint(experiment),
                    modelPath: absolutePath(experiment.modelPath),
                    modelHash: try modelFingerprint(directory: experiment.modelPath))
    }

    /// `path` made absolute against the working directory, with `.`/`..` resolved.
    public static func absolutePath(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }
}

extension RunCheckpoint {
    /// The checkpoint of `run` as it stands now. Pass `edgeNames` (from
    /// `edgeNames(of:)`) when checkpointing repeatedly: building the names
    /// costs a string per edge.
    public init(run: ACDCRun, identity: RunIdentity, elapsedSeconds: Double, edgeNames: [String]? = nil,
                info: [String: String] = [:]) {
        let graph = run.graph
        self.init(experimentPath: identity.experimentPath, experimentHash: identity.experimentHash,
                  options: run.options, modelPath: identity.modelPath, modelHash: identity.modelHash,
                  state: run.state, elapsedSeconds: elapsedSeconds,
                  edgeNames: edgeNames ?? RunCheckpoint.edgeNames(of: graph),
                  nodeCount: graph.order.count, finished: run.isFinished, info: info)
    }

    /// Edge names as a checkpoint stores them: `child<-parent|TYPE`, stored order.
    public static func edgeNames(of graph: ComputationalGraph) -> [String] {
        graph.edges.indices.map { graph.edgeString($0) }
    }

    public var identity: RunIdentity {
        RunIdentity(experimentPath: experimentPath, experimentHash: experimentHash, modelPath: modelPath, modelHash: modelHash)
    }
}
