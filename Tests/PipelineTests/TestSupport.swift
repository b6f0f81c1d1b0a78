import DomainForgeCore
import Foundation
import PipelineConfig
@testable import PipelineRunner

/// A fresh temporary folder, removed when the value is released.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "/df-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ rel: String, _ text: String) { write(rel, Array(text.utf8)) }
    func write(_ rel: String, _ bytes: [UInt8]) {
        let p = path + "/" + rel
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
    }
    func read(_ rel: String) -> [UInt8]? { FileManager.default.contents(atPath: path + "/" + rel).map(Array.init) }
    func files(_ rel: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path + "/" + rel)) ?? []).sorted() }
    func lines(_ rel: String) -> [String] {
        guard let b = read(rel) else { return [] }
        return String(decoding: b, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

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
func gzip(_ bytes: [UInt8]) -> [UInt8] { pipeThrough(["gzip", "-c", "-n"], bytes) }
/// zstd-compresses with the system `zstd` tool.
func zstd(_ bytes: [UInt8]) -> [UInt8] { pipeThrough(["zstd", "-c", "-q"], bytes) }

func pipeThrough(_ cmd: [String], _ input: [UInt8]) -> [UInt8] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = cmd
    let inPipe = Pipe(), outPipe = Pipe()
    p.standardInput = inPipe
    p.standardOutput = outPipe
    try! p.run()
    let writer = Thread { inPipe.fileHandleForWriting.write(Data(input)); try? inPipe.fileHandleForWriting.close() }
    writer.start()
    let out = outPipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Array(out)
}

/// Whether a command exists on PATH.
func haveTool(_ name: String) -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["which", name]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try? p.run()
    p.waitUntilExit()
    return p.terminationStatus == 0
}

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
