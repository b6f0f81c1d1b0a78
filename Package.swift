// swift-tools-version:6.0
import PackageDescription

/// Module layout (imports point downwards only):
///   pipeline (CLI)  ->  PipelineRunner  ->  PipelineConfig  ->  Cleaning, Extraction  ->  DomainForgeCore
///   Tokenization and Shards depend on DomainForgeCore only, so a trainer can use them without the pipeline.
let package = Package(
    name: "domainforge",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pipeline", targets: ["pipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
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
        .target(name: "Trainer", dependencies: ["DomainForgeCore", "Shards", "Tokenization", "SFT", "COpenBLAS", "CTrainerKernels", .product(name: "Yams", package: "Yams")]),
        .target(name: "SFT", dependencies: ["DomainForgeCore", "Tokenization", "Shards", .product(name: "Yams", package: "Yams")]),
        .target(name: "Evaluation", dependencies: ["DomainForgeCore", "Shards", "Tokenization", "SFT", "Trainer", "PipelineConfig", "PipelineRunner", .product(name: "Yams", package: "Yams")]),
        .target(name: "Extraction", dependencies: ["DomainForgeCore", "CXML2"]),
        // The language-ID model shipped as a resource (see Sources/Cleaning/Resources/PROVENANCE.md).
        .target(name: "Cleaning", dependencies: ["DomainForgeCore", "Segmentation"], exclude: ["Resources/PROVENANCE.md"],
                resources: [.copy("Resources/langid.model")]),
        .target(name: "Tokenization", dependencies: ["DomainForgeCore", "Segmentation", "CUnicodeICU"]),
        .target(name: "PipelineConfig", dependencies: [
            "DomainForgeCore", "Cleaning", "Extraction",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "PipelineRunner", dependencies: [
            "DomainForgeCore", "Cleaning", "Extraction", "PipelineConfig", "Shards", "Tokenization", "Dedup", "CSQLite", "CZstd",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "pipeline", dependencies: [
            "PipelineRunner", "PipelineConfig", "Cleaning", "Extraction", "Tokenization", "Shards", "SFT", "Trainer", "Evaluation",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .executableTarget(name: "bench", dependencies: [
            "Extraction", "Cleaning", "Segmentation", "Tokenization", "Shards", "Dedup", "Trainer", "PipelineRunner", "DomainForgeCore",
        ], path: "Benchmarks"),

        .testTarget(name: "CleaningTests", dependencies: ["Cleaning", "Segmentation", "DomainForgeCore"]),
        .testTarget(name: "ExtractionTests", dependencies: ["Extraction", "DomainForgeCore"], exclude: ["Fixtures"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "Segmentation", "DomainForgeCore", "CUnicodeICU"], exclude: ["Fixtures"]),
        // Float tolerances derived from the operations (shared by the trainer and evaluation tests).
        .target(name: "NumericTolerance", dependencies: ["Trainer"], path: "Tests/NumericTolerance"),
        .testTarget(name: "TrainerTests", dependencies: ["Trainer", "DomainForgeCore", "Shards", "Tokenization", "SFT", "NumericTolerance"], exclude: ["Fixtures"]),
        .testTarget(name: "SFTTests", dependencies: ["SFT", "DomainForgeCore", "Tokenization", "Shards"], exclude: ["Fixtures"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Trainer", "DomainForgeCore", "Shards", "NumericTolerance"]),
        .testTarget(name: "DedupTests", dependencies: ["Dedup", "Segmentation", "DomainForgeCore"]),
        .testTarget(name: "ShardsTests", dependencies: ["Shards", "DomainForgeCore"]),
        .testTarget(name: "PipelineTests", dependencies: ["PipelineRunner", "PipelineConfig", "DomainForgeCore"]),
    ]
)
