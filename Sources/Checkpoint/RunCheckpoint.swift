import ACDC

/// Everything needed to resume (or audit) an ACDC run: the run state plus
/// the identity of its inputs. The edge names make a checkpoint readable on
/// its own, without rebuilding the model's computational graph.
public struct RunCheckpoint: Equatable, Sendable {
    /// The schema version this build writes and reads (see SCHEMA.md).
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var experimentPath: String
    /// `Fingerprint` of the experiment file.
    public var experimentHash: String
    public var options: ACDCOptions
    public var modelPath: String
    /// `Fingerprint` of the model weights.
    public var modelHash: String
    public var state: ACDCState
    /// Wall time spent on the run so far, summed over resumes.
    public var elapsedSeconds: Double
    /// Edge names in stored order; `state.present`, `state.effectSize` and
    /// trace edge indices all refer to this order.
    public var edgeNames: [String]
    /// Nodes in the iteration order; `state.cursor` runs over 0...nodeCount.
    public var nodeCount: Int
    /// The run completed (then `state.cursor == nodeCount`).
    public var finished: Bool
    /// Free-form notes (tool version, host, command line ...).
    public var info: [String: String]

    public init(formatVersion: Int = RunCheckpoint.currentFormatVersion,
                experimentPath: String, experimentHash: String, options: ACDCOptions,
                modelPath: String, modelHash: String, state: ACDCState, elapsedSeconds: Double,
                edgeNames: [String], nodeCount: Int, finished: Bool, info: [String: String] = [:]) {
        self.formatVersion = formatVersion
        self.experimentPath = experimentPath; self.experimentHash = experimentHash
        self.options = options
        self.modelPath = modelPath; self.modelHash = modelHash
        self.state = state; self.elapsedSeconds = elapsedSeconds
        self.edgeNames = edgeNames; self.nodeCount = nodeCount
        self.finished = finished; self.info = info
    }
}
