import DomainForgeCore
import Foundation
import PipelineConfig
import TestSupport
@testable import PipelineRunner

/// Drops documents with fewer than `minWords` words (test stage).
struct MinWordsStage: DocumentStage {
    var minWords: Int
    var name: String { "min_words" }
    func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        let n = document.text.split(whereSeparator: { $0 == " " || $0 == "\n" }).count
        counters.add("words", n)
        return n >= minWords ? .keep : .drop(reason: "too_few_words")
    }
}

/// Upper-cases text (test transform).
struct UpperStage: DocumentStage {
    var name: String { "upper" }
    func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        document.text = document.text.uppercased()
        return .keep
    }
}

func spec(_ yaml: String, in dir: TempDir) throws -> PipelineSpec {
    try PipelineSpec.from(try YAMLLoader.load(yaml, file: "test.yaml"), baseDirectory: dir.path, name: "test")
}

@discardableResult
func runPipeline(_ s: PipelineSpec, stages: [any DocumentStage] = [], workers: Int = 2, rank: Int = 0, worldSize: Int = 1, maxParts: Int? = nil,
                 trustMtime: Bool = false) throws -> RunStats {
    var o = PipelineExecutor.Options()
    o.trustMtime = trustMtime
    o.workers = workers
    o.rank = rank
    o.worldSize = worldSize
    o.maxParts = maxParts
    return try PipelineExecutor(spec: s, stages: stages, options: o, log: { _ in }).run()
}

/// The concatenated bytes of every file in a folder, in name order (decompressing nothing).
func folderBytes(_ dir: TempDir, _ rel: String) -> [UInt8] {
    dir.files(rel).filter { !AtomicOutputFile.isTemporary($0) }.flatMap { dir.read(rel + "/" + $0) ?? [] }
}

/// gzip-compresses with the system `gzip` tool.
func gzip(_ bytes: [UInt8]) -> [UInt8] { Tools.gzip(bytes) }
/// zstd-compresses with the system `zstd` tool.
func zstd(_ bytes: [UInt8]) -> [UInt8] { Tools.zstd(bytes) }
/// Whether a command exists on PATH.
func haveTool(_ name: String) -> Bool { Tools.have(name) }

/// An in-memory exact-duplicate stage that follows the OrderedStage resume contract (test double).
final class SeenTextStage: OrderedStage {
    struct Hasher: OrderedPreparer {
        func prepare(_ document: Document) -> UInt64 { Hashing.fnv1a64(Array(document.text.utf8)) }
    }
    var name: String { "seen_text" }
    let preparer = Hasher()
    private var seen: [UInt64: Int] = [:]  // hash -> part
    private var part = -1
    private(set) var finished = false
    func decide(_ document: inout Document, prepared: UInt64, counters: inout StageCounters) -> StageVerdict {
        if seen[prepared] != nil { counters.add("duplicates"); return .drop(reason: "exact_duplicate") }
        seen[prepared] = part
        document.metadata["first_seen_part"] = .int(Int64(part))
        return .keep
    }
    func beginPart(_ p: Int) throws { part = p }
    func endPart(_ p: Int) throws {}
    func resume(finishedParts: Set<Int>) throws { seen = seen.filter { finishedParts.contains($0.value) } }
    func finish() throws { finished = true }
}
