// swift-tools-version:6.0
import PackageDescription

// One module per concern; read the folder names top-down to see the architecture:
// C shims (CBLAS, CHDF5) -> Kernels -> Transformer -> ACDC -> Checkpoint / Tasks
// -> Circuits (exports, circuit evaluation, sweeps) -> acdc (CLI); Attribution
// (gradient edge scores: EAP, EAP-IG; selection, faithfulness) sits beside ACDC.
let package = Package(
    name: "acdc-swift",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "acdc", targets: ["acdc"]),
        .executable(name: "acdc-bench", targets: ["acdc-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .target(name: "Kernels", dependencies: ["CBLAS"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "Transformer", dependencies: ["Kernels"]),
        .target(name: "Tokenizer"),
        .target(name: "ACDC", dependencies: ["Transformer", "Kernels"]),
        .target(name: "Checkpoint", dependencies: ["CHDF5", "ACDC", "Transformer"], exclude: ["SCHEMA.md"]),
        .target(name: "Tasks", dependencies: ["ACDC", "Tokenizer", "Transformer"]),
        .target(name: "Circuits", dependencies: ["ACDC", "Checkpoint", "Transformer"]),
        .target(name: "Attribution", dependencies: ["ACDC", "Transformer", "Kernels"]),
        .executableTarget(name: "acdc", dependencies: [
            "ACDC", "Attribution", "Checkpoint", "Circuits", "Tasks", "Transformer", "Tokenizer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "acdc-bench", dependencies: ["ACDC", "Attribution", "Transformer", "Kernels", "Tokenizer"]),
        // Shared by the test targets: repository paths, scratch directories, the
        // built acdc executable, the reference fixtures' expected runs.
        .target(name: "TestSupport", dependencies: ["ACDC"], path: "Tests/TestSupport"),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .testTarget(name: "TransformerTests", dependencies: ["TestSupport", "Transformer", "Kernels"]),
        .testTarget(name: "TokenizerTests", dependencies: ["TestSupport", "Tokenizer", "Kernels"]),
        .testTarget(name: "ACDCTests", dependencies: ["TestSupport", "ACDC", "Transformer"]),
        .testTarget(name: "CheckpointTests", dependencies: ["TestSupport", "Checkpoint", "ACDC", "Kernels"]),
        .testTarget(name: "TasksTests", dependencies: ["TestSupport", "Tasks", "ACDC", "Tokenizer", "Transformer"]),
        .testTarget(name: "CircuitsTests", dependencies: ["TestSupport", "Circuits", "ACDC", "Checkpoint", "Transformer"]),
        .testTarget(name: "AttributionTests", dependencies: ["TestSupport", "Attribution", "ACDC", "Checkpoint", "Transformer", "Kernels"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "ACDC", "Checkpoint", "Kernels", "Transformer"]),
    ]
)
