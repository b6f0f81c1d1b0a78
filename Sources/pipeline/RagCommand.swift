import ArgumentParser
import DomainForgeCore
import Foundation
import Retrieval
import Tokenization

/// `pipeline rag`: a BM25 retrieval index over clean documents.
struct RagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rag",
        abstract: "Retrieval index (SQLite FTS5, BM25) over clean documents: build, query, evaluate, check.",
        subcommands: [RagIndexCommand.self, RagQueryCommand.self, RagEvalCommand.self, RagCheckCommand.self])
}

extension ChunkSettings.Unit: ExpressibleByArgument {}

struct RagIndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build or extend a retrieval index from JSONL(.zst/.gz) documents or run folders (their documents/).",
        discussion: """
            Records are {"id","text","metadata"}; a document whose id is already indexed is replaced. Files are committed \
            in batches with their progress, so running the same command after a kill resumes where it stopped and ends \
            with the same contents. --delete removes documents by id (all or none: an unknown id deletes nothing).
            """)

    @Argument(help: "JSONL files, or folders (a run folder's documents/ is used when present).")
    var documents: [String] = []

    @Option(name: .shortAndLong, help: "The index file (SQLite), created when absent.")
    var output: String

    @Option(name: .customLong("chunk-by"), help: "What --chunk-size and --overlap count: words, tokens (needs --tokenizer) or sentences.")
    var chunkBy: ChunkSettings.Unit = .words

    @Option(name: .customLong("chunk-size"), help: "Maximum units per chunk.")
    var chunkSize = 200

    @Option(help: "Units repeated at the start of the next chunk.")
    var overlap = 40

    @Option(name: .tokenizer, help: "tokenizer.json used to count tokens with --chunk-by tokens.")
    var tokenizer: String?

    @Option(name: .customLong("delete"), help: "Delete the document with this id (repeatable).")
    var delete: [String] = []

    @Option(name: .customLong("batch-size"), help: "Records per transaction (the most a kill can lose).")
    var batchSize = 512

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        if documents.isEmpty && delete.isEmpty { throw ValidationError("give DOCS to index, or --delete ID") }
        if chunkBy == .tokens && tokenizer == nil { throw ValidationError("--chunk-by tokens needs --tokenizer FILE") }
        if chunkSize < 1 { throw ValidationError("--chunk-size must be at least 1") }
        if overlap < 0 || overlap >= chunkSize { throw ValidationError("--overlap must be at least 0 and less than --chunk-size") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        try orExit {
            var settings = ChunkSettings(unit: chunkBy, size: chunkSize, overlap: overlap)
            var counter: (@Sendable (String) -> Int)?
            if let t = tokenizer {
                let tok = try BPETokenizer.load(path: t)
                settings.tokenizerFingerprint = tok.fingerprint
                counter = { tok.encode($0, addSpecialTokens: false).count }
            }
            let existed = FileManager.default.fileExists(atPath: output)
            if existed { try RAGIndex(openExisting: output, readOnly: false).check() }
            let index = try RAGIndex(path: output, settings: settings)
            if !delete.isEmpty {
                try index.begin()
                do { try index.delete(ids: delete) } catch { index.rollback(); throw error }
                try index.commit()
            }
            let started = Date()
            let files = documents.isEmpty ? [] : try RAGIndexBuilder.inputFiles(documents)
            let report = try RAGIndexBuilder(index: index, chunker: Chunker(settings: settings, tokenCount: counter), batchSize: batchSize)
                .build(files: files)
            let seconds = Date().timeIntervalSince(started)
            try printSummary(report, index: index, seconds: seconds)
        }
    }

    func printSummary(_ r: BuildReport, index: RAGIndex, seconds: Double) throws {
        let c = try index.counts()
        for e in r.rejected.prefix(20) { printError("rejected: \(e)") }
        if r.rejected.count > 20 { printError("rejected: \(r.rejected.count - 20) more") }
        if json {
            let o: [String: JSONValue] = [
                "index": .string(output), "files": .int(Int64(r.files)), "files_already_done": .int(Int64(r.filesAlreadyDone)),
                "records_resumed": .int(Int64(r.recordsResumed)), "indexed": .int(Int64(r.indexed)), "chunks_added": .int(Int64(r.chunks)),
                "replaced": .int(Int64(r.replaced)), "deleted": .int(Int64(delete.count)),
                "dropped": .object(r.dropped.mapValues { .int(Int64($0)) }), "rejected": .int(Int64(r.rejected.count)),
                "documents": .int(Int64(c.documents)), "chunks": .int(Int64(c.chunks)), "text_bytes": .int(Int64(c.textBytes)),
                "index_bytes": .int(Int64(c.fileBytes)), "seconds": .double((seconds * 1000).rounded() / 1000),
            ]
            print(JSONValue.object(o).serialized())
            return
        }
        if r.filesAlreadyDone > 0 || r.recordsResumed > 0 {
            print("resumed: \(r.filesAlreadyDone) file(s) already done, \(r.recordsResumed) record(s) already indexed")
        }
        let dropped = r.dropped.values.reduce(0, +)
        print("indexed \(r.indexed) documents (\(r.chunks) chunks, \(r.replaced) replaced) from \(r.files) file(s); "
              + "dropped \(dropped) (empty_text), rejected \(r.rejected.count); deleted \(delete.count)")
        print("\(output): \(c.documents) documents, \(c.chunks) chunks, \(c.textBytes) bytes of text, \(c.fileBytes) bytes on disk "
              + "(\(index.settings.signature)); \(String(format: "%.1f", seconds)) s")
    }
}

struct RagCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check an index file: SQLite integrity_check and FTS5's integrity-check; exit 1 when damaged.")

    @Argument(help: "The index file.")
    var index: String

    func run() throws {
        try orExit {
            let idx = try RAGIndex(openExisting: index, readOnly: false)
            try idx.check()
            let c = try idx.counts()
            print("\(index): ok, \(c.documents) documents, \(c.chunks) chunks (\(idx.settings.signature))")
        }
    }
}
