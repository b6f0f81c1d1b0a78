import DomainForgeCore
import Evaluation
import Foundation
import Retrieval

/// The forgetting lab's `eval.rag` section: RAG-augmented evaluation of the base and every arm.
///
/// After the corpora are prepared, a BM25 index (`Retrieval`, the index `pipeline rag index` builds) is made over the
/// domain corpus's clean documents (`data/domain/documents/`): only those on the training side of the held-out split
/// (`documents: train`, the text the arms adapt on) or all of them (`all`). Each `heldout_sft` file (SFT records,
/// JSONL) is cut to the records whose `id` is a held-out domain document (so neither the arms nor the index have seen
/// their answers) and evaluated under its label. The `datasets` labels (default: every multiple-choice and SFT set)
/// are then scored twice, the second time as `LABEL+rag` with the index's best `k` chunks prepended to each question.
/// A document id seen before in the domain documents is indexed as `id#2`, `id#3`... (the split goes by id, so all
/// of them are on the same side).
public struct LabRetrieval: Sendable {
    /// Which domain documents go into the index.
    public enum Documents: String, Sendable, CaseIterable {
        /// The training side of the domain split (what the arms adapt on).
        case train
        /// Every domain document, held-out ones included (the answers of held-out records can be retrieved).
        case all
    }

    public var documents: Documents
    public var chunking: ChunkSettings
    /// Chunks prepended to each question.
    public var k: Int
    /// Labels scored with retrieval (nil: every multiple-choice and SFT dataset).
    public var datasets: [String]?
    /// SFT record files (label, path) cut to the held-out domain ids.
    public var heldoutSFT: [(label: String, path: String)]

    /// Reads the section (schema-validated); paths go through `resolve`.
    public static func parse(_ v: JSONValue, resolve: (String) -> String, file: String) throws -> LabRetrieval {
        let docs = v["documents"]?.stringValue ?? "train"
        guard let documents = Documents(rawValue: docs) else {
            throw EvaluationError.config("\(file): eval.rag.documents must be train or all, got '\(docs)'")
        }
        let by = v["chunk_by"]?.stringValue ?? "words"
        guard let unit = ChunkSettings.Unit(rawValue: by), unit != .tokens else {
            throw EvaluationError.config("\(file): eval.rag.chunk_by must be words or sentences, got '\(by)'")
        }
        let chunking = ChunkSettings(unit: unit, size: v["chunk_size"]?.intValue ?? 200, overlap: v["overlap"]?.intValue ?? 40)
        do { try chunking.validate() } catch { throw EvaluationError.config("\(file): eval.rag: \(error)") }
        let sft = (v["heldout_sft"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.compactMap { k, p in p.stringValue.map { (k, resolve($0)) } }
        return LabRetrieval(documents: documents, chunking: chunking, k: v["k"]?.intValue ?? 3,
                            datasets: v["datasets"]?.arrayValue?.compactMap(\.stringValue), heldoutSFT: sft)
    }

    /// What `prepare` made.
    public struct Prepared: Sendable {
        /// The index file.
        public var indexPath: String
        public var indexedDocuments: Int
        public var chunks: Int
        /// The held-out SFT files written (label, path, records kept).
        public var heldoutSFT: [(label: String, path: String, records: Int)]
    }

    /// Builds the index into `ragDir` (reused when a finished index with the same settings is there) and writes
    /// the held-out SFT files. `domainRun` is the domain corpus's pipeline output; `fraction` and `seed` its split.
    public func prepare(domainRun: String, ragDir: String, fraction: Double, seed: UInt64,
                        log: (String) -> Void) throws -> Prepared {
        try makeDirectory(ragDir)
        let files: [String]
        do { files = try RAGIndexBuilder.inputFiles([domainRun]) } catch { throw EvaluationError.data("eval.rag: \(error)") }
        let indexPath = ragDir + "/index-\(documents.rawValue).sqlite"
        var reuse = false
        if FileManager.default.fileExists(atPath: indexPath) {
            reuse = (try? RAGIndex(openExisting: indexPath))?.settings == chunking
        }
        let tmp = indexPath + ".tmp"
        if !reuse {
            for p in [indexPath, tmp] where FileManager.default.fileExists(atPath: p) { try FileManager.default.removeItem(atPath: p) }
        }
        let built = try scan(files: files, into: reuse ? nil : tmp, fraction: fraction, seed: seed)
        if !reuse { try FileManager.default.moveItem(atPath: tmp, toPath: indexPath) }
        let counts: (documents: Int, chunks: Int, textBytes: Int, fileBytes: Int)
        do { counts = try RAGIndex(openExisting: indexPath).counts() } catch { throw EvaluationError.data("eval.rag: \(error)") }
        log("[rag] \(reuse ? "reusing" : "built") \(indexPath): \(counts.documents) \(documents.rawValue) domain documents, \(counts.chunks) chunks")
        var sft = [(label: String, path: String, records: Int)]()
        for (label, path) in heldoutSFT {
            guard FileManager.default.fileExists(atPath: path) else { log("eval.rag.heldout_sft \(label): \(path) is absent; skipped"); continue }
            let out = ragDir + "/\(label).jsonl"
            let n = try Self.writeHeldOut(records: path, ids: built.heldoutIDs, to: out)
            log("[rag] \(label): \(n.kept) of \(n.read) records of \(path) are held-out domain documents -> \(out)")
            guard n.kept > 0 else {
                log("eval.rag.heldout_sft \(label): skipped, no record has the id of a held-out domain document (the records need the ids the domain corpus reads, id_field)")
                continue
            }
            sft.append((label, out, n.kept))
        }
        return Prepared(indexPath: indexPath, indexedDocuments: counts.documents, chunks: counts.chunks, heldoutSFT: sft)
    }

    /// Reads the domain documents once: collects the held-out ids and, with `indexPath`, indexes the chosen side.
    func scan(files: [String], into indexPath: String?, fraction: Double, seed: UInt64) throws -> (heldoutIDs: Set<String>, indexed: Int) {
        var ids = Set<String>(), indexed = 0, seen = [String: Int]()
        let index: RAGIndex?
        do { index = try indexPath.map { try RAGIndex(path: $0, settings: chunking) } } catch { throw EvaluationError.data("eval.rag: \(error)") }
        let chunker = Chunker(settings: chunking)
        try index?.begin()
        for file in files {
            let reader = LineReader(source: try openByteSource(path: file, displayName: file), maxLineBytes: RAGIndexBuilder.maxLineBytes)
            while let rec = try reader.next() {
                guard rec.overlongBytes == 0, let v = try? JSONParser.parse(bytes: rec.bytes),
                      let doc = try? RAGIndexBuilder.document(from: v, file: file, line: rec.line) else { continue }
                let held = HeldOutSplit.isHeldOut(id: doc.id, fraction: fraction, seed: seed)
                if held { ids.insert(doc.id) }
                guard let index, !held || documents == .all else { continue }
                let chunks = chunker.chunks(of: doc.text)
                guard !chunks.isEmpty else { continue }
                // ids may repeat (MedQuAD has 12,133 ids for 16,407 pairs): the later documents are kept as id#2, id#3...
                seen[doc.id, default: 0] += 1
                let id = seen[doc.id]! == 1 ? doc.id : "\(doc.id)#\(seen[doc.id]!)"
                try index.add(id: id, source: doc.source, metadata: "{}", chunks: chunks, bytes: doc.text.utf8.count)
                indexed += 1
            }
        }
        try index?.commit()
        return (ids, indexed)
    }

    /// Copies the lines of `records` whose `id` (string or integer) is in `ids` to `out` (atomically).
    static func writeHeldOut(records: String, ids: Set<String>, to out: String) throws -> (read: Int, kept: Int) {
        let reader: LineReader
        do {
            reader = LineReader(source: try openByteSource(path: records, displayName: records), maxLineBytes: RAGIndexBuilder.maxLineBytes)
        } catch { throw EvaluationError.io("eval.rag.heldout_sft: \(records): \(error)") }
        let f = try AtomicOutputFile(path: out)
        var read = 0, kept = 0
        while let rec = try reader.next() {
            guard rec.overlongBytes == 0, !rec.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { continue }
            read += 1
            guard let v = try? JSONParser.parse(bytes: rec.bytes),
                  let id = v["id"]?.stringValue ?? v["id"]?.intValue.map(String.init), ids.contains(id) else { continue }
            try f.write(rec.bytes + [0x0A])
            kept += 1
        }
        try f.commit()
        return (read, kept)
    }
}
