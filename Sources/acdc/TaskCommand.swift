import ArgumentParser
import ACDC
import Tasks

struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "List the standard tasks or export one as an experiment file.",
        discussion: """
        The standard tasks are the paper's: tracr-reverse, tracr-proportion and induction \
        ship with their models in tasks/; ioi and greaterthan need GPT-2 small and docstring \
        needs attn-only-4l (pass --model DIR; tasks/README.md says how to export them). \
        The tasks/ folder is found via $ACDC_TASKS_DIR, else next to the acdc binary or \
        above it, else ./tasks.
        """,
        subcommands: [List.self, Export.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the standard tasks.")

        func run() throws {
            let width = TaskCatalog.all.map(\.name.count).max() ?? 0
            for t in TaskCatalog.all {
                let model = t.requiredModel.map { "needs --model (\($0))" } ?? "model shipped"
                let circuit = t.hasCanonicalCircuit ? "canonical circuit" : "no canonical circuit"
                print(t.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + t.summary)
                print(String(repeating: " ", count: width + 2) + model + "; " + circuit)
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Print a task as an acdc-experiment/1 file on stdout.",
            discussion: """
            The model path in the file is absolute, so the file loads from anywhere: \
            `acdc task export ioi --model gpt2 > ioi.json; acdc run --experiment ioi.json ...` \
            runs exactly what `acdc run --task ioi --model gpt2 ...` runs.
            """)

        @Argument(help: "Task name (see `acdc task list`).")
        var name: String

        @Option(help: "Model directory (required for ioi, greaterthan, docstring; replaces the shipped one otherwise).")
        var model: String?

        func run() throws {
            let context = TaskContext(tasksDirectory: try TaskDataLocator().locate(), modelDirectory: model)
            let exp = try TaskCatalog.named(name).experiment(context)
            print(exp.json().serialized(indent: 1))
        }
    }
}
