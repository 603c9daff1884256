import ArgumentParser

@main
struct ACDCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acdc",
        abstract: "Automatic Circuit DisCovery on transformer language models.",
        discussion: """
        ACDC walks a model's computational graph from the output back to the \
        embeddings and removes every edge whose removal moves the metric by less \
        than the threshold. Runs are checkpointed after every step and can be \
        resumed; the circuits found export to edge lists, JSON, Graphviz, HDF5 and \
        MIB graph JSON (`acdc export`), any circuit can be scored (`acdc eval`), and \
        `acdc sweep` runs many thresholds with ROC/AUC against a canonical circuit.
        """,
        subcommands: [RunCommand.self, ResumeCommand.self, ShowCommand.self, ExportCommand.self, EvalCommand.self,
                      ForwardCommand.self, SweepCommand.self, TaskCommand.self, TokenizeCommand.self,
                      AttributeCommand.self, SelectCommand.self, FaithfulnessCommand.self])
}
