// domainforge benchmarks: prints figures, never asserts timings.
// Usage: swift run -c release bench <suite> [args...]   suites: extract, clean, clean-zh, segment, tokenizer, pipeline, shards, dedup, train, sft, langid, rag
import Foundation

let args = Array(CommandLine.arguments.dropFirst())
guard let suite = args.first else {
    print("usage: bench <extract|clean|clean-zh|segment|tokenizer|pipeline|shards|dedup|train|sft|langid|rag> [args...]")
    exit(2)
}
let rest = Array(args.dropFirst())
do {
    switch suite {
    case "extract": try runExtractionBench(rest)
    case "clean": try runCleaningBench(rest)
    case "clean-zh": try runLanguageCleaningBench(rest)
    case "segment": try runSegmentBench(rest)
    case "tokenizer": try runTokenizerBench(rest)
    case "pipeline": try runPipelineBench(rest)
    case "shards": try runShardsBench(rest)
    case "dedup": try runDedupBench(rest)
    case "train": try runTrainerBench(rest)
    case "sft": try runSFTBench(rest)
    case "langid": try runLangidBench(rest)
    case "rag": try runRAGBench(rest)
    default:
        print("unknown suite \(suite)")
        exit(2)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
