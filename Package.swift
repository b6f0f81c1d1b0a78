// swift-tools-version:6.0
import PackageDescription

/// Module layout (imports point downwards only; `scripts/module-graph.py` prints the graph from the real imports):
///   pipeline (CLI)  ->  Experiments  ->  Evaluation  ->  Trainer, SFT  ->  Tokenization, Shards  ->  DomainForgeCore
///   pipeline (CLI)  ->  PipelineRunner  ->  PipelineConfig, Dedup  ->  Cleaning, Extraction  ->  DomainForgeCore
/// Every Swift target turns on `MemberImportVisibility`, so a module used without being imported (and declared
/// here) fails the build.
let package = Package(
    name: "domainforge",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pipeline", targets: ["pipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries (Debian: libzstd-dev, libsqlite3-dev, libxml2-dev, zlib1g-dev).
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // ICU (Debian libicu-dev): word segmentation (dictionary-based for CJK and Thai), normalization, properties.
        .systemLibrary(name: "CICU", pkgConfig: "icu-uc", providers: [.apt(["libicu-dev"])]),
        // uchardet (Debian libuchardet-dev): charset detection of text without a trustworthy declaration.
        .systemLibrary(name: "CUchardet", pkgConfig: "uchardet", providers: [.apt(["libuchardet-dev"])]),
        // OpenCC (Debian libopencc-dev): Traditional <-> Simplified Chinese for normalize and dedup keys.
        .systemLibrary(name: "COpenCC", pkgConfig: "opencc", providers: [.apt(["libopencc-dev"])]),

        // C wrappers over ICU (its versioned function names are macros Swift cannot import): NFC/NFKC, character
        // properties, word segmentation.
        .target(name: "CUnicodeICU", dependencies: ["CICU"],
                linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icudata")]),
        .target(name: "DomainForgeCore", dependencies: ["CZstd", "CZlib", "CCrypto", "CUchardet", "COpenCC", "CUnicodeICU"]),
        // Word segmentation (ICU word break iterator through a C wrapper) and a document's language.
        .target(name: "CWordBreak", linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icudata")]),
        .target(name: "Segmentation", dependencies: ["DomainForgeCore", "CWordBreak"]),
        .target(name: "Shards", dependencies: ["DomainForgeCore", "CZstd"]),
        .target(name: "Dedup", dependencies: ["DomainForgeCore", "Segmentation", "CSQLite"]),
        // AVX-512 elementwise kernels of the trainer, picked at run time (same bits as its portable Swift loops).
        .target(name: "CTrainerKernels"),
        .target(name: "Trainer", dependencies: ["DomainForgeCore", "Shards", "Tokenization", "SFT", "COpenBLAS", "CTrainerKernels", "PipelineConfig"]),
        .target(name: "SFT", dependencies: ["DomainForgeCore", "Tokenization", "Shards", "PipelineConfig"]),
        // Scoring: shards, multiple choice, SFT records.
        .target(name: "Evaluation", dependencies: ["DomainForgeCore", "Shards", "Tokenization", "SFT", "Trainer", "Retrieval"]),
        // Experiments above scoring: train recipes, sweeps, the forgetting lab, run comparison and reports.
        .target(name: "Experiments", dependencies: ["DomainForgeCore", "Shards", "Tokenization", "Trainer", "Evaluation", "PipelineConfig", "PipelineRunner", "Retrieval", "SFT"]),
        // BM25 retrieval over chunked documents (SQLite FTS5): rag index/query/eval and the rag_index stage.
        .target(name: "Retrieval", dependencies: ["DomainForgeCore", "Segmentation", "Tokenization", "CSQLite"]),
        // `pipeline diagnose`: vocabulary fit, knowledge and behaviour gaps, data and cost of a base model on domain data.
        .target(name: "Diagnosis", dependencies: ["DomainForgeCore", "Segmentation", "Tokenization", "SFT", "Trainer", "Evaluation"]),
        .target(name: "Extraction", dependencies: ["DomainForgeCore", "CXML2"]),
        // The language-ID model shipped as a resource (see Sources/Cleaning/Resources/PROVENANCE.md).
        .target(name: "Cleaning", dependencies: ["DomainForgeCore", "Segmentation"], exclude: ["Resources/PROVENANCE.md"],
                resources: [.copy("Resources/langid.model")]),
        .target(name: "Tokenization", dependencies: ["DomainForgeCore", "Segmentation", "CUnicodeICU"]),
        .target(name: "PipelineConfig", dependencies: [
            "DomainForgeCore",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "PipelineRunner", dependencies: [
            "DomainForgeCore", "Cleaning", "Extraction", "PipelineConfig", "Shards", "Tokenization", "Dedup", "Retrieval", "CSQLite", "CZstd",
        ]),
        .executableTarget(name: "pipeline", dependencies: [
            "DomainForgeCore", "PipelineRunner", "PipelineConfig", "Cleaning", "Extraction", "Dedup", "Tokenization", "Shards", "SFT",
            "Trainer", "Evaluation", "Experiments", "Retrieval", "Diagnosis",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "bench", dependencies: [
            "Extraction", "Cleaning", "Segmentation", "Tokenization", "Shards", "Dedup", "Trainer", "PipelineRunner", "DomainForgeCore", "Retrieval",
        ], path: "Benchmarks"),

        .testTarget(name: "CleaningTests", dependencies: ["Cleaning", "PipelineRunner", "Segmentation", "DomainForgeCore"]),
        .testTarget(name: "ExtractionTests", dependencies: ["Extraction", "DomainForgeCore"], exclude: ["Fixtures"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "Segmentation", "DomainForgeCore", "CUnicodeICU"], exclude: ["Fixtures"]),
        // Float tolerances derived from the operations (shared by the trainer and evaluation tests).
        .target(name: "NumericTolerance", dependencies: ["Trainer"], path: "Tests/NumericTolerance"),
        .testTarget(name: "TrainerTests", dependencies: ["TestSupport", "Trainer", "DomainForgeCore", "Shards", "Tokenization", "SFT", "NumericTolerance"], exclude: ["Fixtures"]),
        .testTarget(name: "SFTTests", dependencies: ["TestSupport", "SFT", "DomainForgeCore", "Tokenization", "Shards"], exclude: ["Fixtures"]),
        .testTarget(name: "EvaluationTests", dependencies: ["TestSupport", "Evaluation", "Trainer", "DomainForgeCore", "Shards", "NumericTolerance"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["TestSupport", "Experiments", "Evaluation", "Trainer", "DomainForgeCore", "Shards", "Retrieval"]),
        // The CLI: every command's --help pinned (Help/), exit statuses of usage and run errors.
        .testTarget(name: "CLITests", dependencies: ["pipeline", "DomainForgeCore", "Trainer", "Evaluation", "SFT"], exclude: ["Help"]),
        .testTarget(name: "DedupTests", dependencies: ["Dedup", "PipelineRunner", "Segmentation", "DomainForgeCore"]),
        .testTarget(name: "DiagnosisTests", dependencies: ["TestSupport", "Diagnosis", "Tokenization", "Trainer", "SFT", "DomainForgeCore"]),
        .testTarget(name: "RetrievalTests", dependencies: ["TestSupport", "Retrieval", "DomainForgeCore"]),
        .testTarget(name: "ShardsTests", dependencies: ["TestSupport", "Shards", "DomainForgeCore"]),
        // Shared by the test targets: temporary folders, tool helpers, and the stage conformance verifier.
        .target(name: "TestSupport", dependencies: ["PipelineRunner", "PipelineConfig", "DomainForgeCore", "Shards", "Trainer"], path: "Tests/TestSupport"),
        .testTarget(name: "PipelineTests", dependencies: ["PipelineRunner", "PipelineConfig", "Extraction", "DomainForgeCore", "TestSupport"]),
    ]
)

// Every Swift target: a module used in a file must be imported there (and so declared above).
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("MemberImportVisibility")]
}
