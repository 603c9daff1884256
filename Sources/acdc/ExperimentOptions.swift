import ArgumentParser
import ACDC

/// What is measured and how ablated edges are replaced: shared by `run`,
/// `sweep` (through `SearchModifiers`) and `eval`.
struct MetricOptions: ParsableArguments {
    @Option(help: "Metric to minimise (default: the experiment's first metric).")
    var metric: String?

    @Flag(help: "Ablate with zeros instead of the corrupted run's activations.")
    var zeroAblation = false
}

/// The search options besides the threshold: shared by `run` (one threshold)
/// and `sweep` (many). Their names, rules and serialisation are `ACDCOptions`'.
struct SearchModifiers: ParsableArguments {
    @OptionGroup var measure: MetricOptions
    var metric: String? { measure.metric }
    var zeroAblation: Bool { measure.zeroAblation }

    @Flag(help: "Compare |metric change| with the threshold instead of the signed change.")
    var absValueThreshold = false

    @Option(help: "Order of parents within one hook name: normal (heads H-1..0) or reverse.")
    var indicesMode: ACDCOptions.IterationMode = .normal

    @Option(help: "Order of parent hook names: normal (latest layer first) or reverse.")
    var namesMode: ACDCOptions.IterationMode = .normal

    @Flag(help: "Drop the outputs of nodes none of whose inputs survived (not with --zero-ablation).")
    var removeRedundant = false

    func options(threshold: Double, defaultMetric: String) -> ACDCOptions {
        ACDCOptions(threshold: threshold, metric: metric ?? defaultMetric, zeroAblation: zeroAblation,
                    absValueThreshold: absValueThreshold, indicesMode: indicesMode, namesMode: namesMode,
                    removeRedundant: removeRedundant)
    }

    /// These options for any threshold (the metric only when given).
    var expected: ACDCOptions.Expected {
        var e = ACDCOptions.Expected(options(threshold: 0, defaultMetric: ""))
        e.threshold = nil
        e.metric = metric
        return e
    }

    /// ACDCOptions' combination rules, at parse time: before any file is
    /// read. (An ACDCError, not a ValidationError: one line, no usage dump.)
    func validate() throws {
        try options(threshold: 0, defaultMetric: "").validate()
    }
}

/// Options of a single ACDC run.
struct SearchOptions: ParsableArguments {
    // `.unconditional`: the next word is the value even when it starts with
    // '-', so `--threshold -0.01` works as well as `--threshold=-0.01`.
    @Option(parsing: .unconditional,
            help: "Edges whose removal changes the metric by less than this are removed (strict <); may be negative.")
    var threshold: Double

    @OptionGroup var modifiers: SearchModifiers

    func options(defaultMetric: String) -> ACDCOptions {
        modifiers.options(threshold: threshold, defaultMetric: defaultMetric)
    }

    func validate() throws {
        try options(defaultMetric: "").validate()
    }
}

extension ACDCOptions.IterationMode: ExpressibleByArgument {}

/// Output verbosity shared by commands.
struct OutputOptions: ParsableArguments {
    @Flag(help: "No progress output on stderr.")
    var quiet = false

    @Flag(help: "Print the final summary as one JSON object on stdout.")
    var json = false
}
