/// Names in the checkpoint file, in one place so writer, reader and
/// SCHEMA.md cannot drift apart silently. Changing any of them is a format
/// change: bump `RunCheckpoint.currentFormatVersion`.
enum CheckpointSchema {
    /// Root attribute that marks the file as an ACDC checkpoint at all.
    static let kindValue = "acdc-run-checkpoint"

    enum Root {
        static let kind = "kind"
        static let formatVersion = "format_version"
        static let experimentPath = "experiment_path"
        static let experimentHash = "experiment_hash"
        static let modelPath = "model_path"
        static let modelHash = "model_hash"
        static let nodeCount = "node_count"
        static let cursor = "cursor"
        static let currentMetric = "current_metric"
        static let evaluations = "evaluations"
        static let elapsedSeconds = "elapsed_seconds"
        static let finished = "finished"
    }

    /// One attribute per search option, named by `ACDCOptions.Field.key`.
    enum Options {
        static let group = "options"
    }

    enum Edges {
        static let present = "edges/present"
        static let effectSize = "edges/effect_size"
        static let names = "edges/names"
    }

    enum Trace {
        static let edge = "trace/edge"
        static let metricBefore = "trace/metric_before"
        static let metricAfter = "trace/metric_after"
        static let result = "trace/result"
        static let removed = "trace/removed"
    }

    enum Info {
        static let keys = "info/keys"
        static let values = "info/values"
    }
}
