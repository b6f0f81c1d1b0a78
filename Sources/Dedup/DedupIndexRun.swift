import DomainForgeCore

/// The orchestration shared by the index-backed stages `exact_dedup` and `minhash_dedup`: the part hooks of the
/// resume contract, the `mode: global` branch (record every document, keep it), and the wrapping of index errors
/// into `DedupIndexError`s that name the stage and the index. The stages keep only their algorithm and storage.
final class DedupIndexRun {
    let stage: String
    let core: IndexCore
    /// Set with `mode: global`.
    let recorder: GlobalDedupRecorder?
    /// Called on resume: caches in front of the index (bit filters) must be rebuilt.
    let onResume: () -> Void

    init(stage: String, core: IndexCore, recorder: GlobalDedupRecorder?, onResume: @escaping () -> Void) {
        self.stage = stage
        self.core = core
        self.recorder = recorder
        self.onResume = onResume
    }

    /// With `mode: global`: takes the document's position, records its keys (`bands` and `sig` as blobs; nothing
    /// for a document without a key), counts `recordedCounter` and keeps it. Otherwise runs `online`. Either way an
    /// index error becomes a `DedupIndexError`.
    func decide<S>(_ document: Document, record: (bands: [UInt64], sig: [S])?, recordedCounter: String,
                   counters: inout StageCounters, online: (inout StageCounters) throws -> StageVerdict) throws -> StageVerdict {
        guard let recorder else { return try indexed { try online(&counters) } }
        let (pos, ord) = recorder.next(document)
        guard let record else { return .keep }
        try indexed {
            try record.bands.withUnsafeBytes { bands in
                try record.sig.withUnsafeBytes { sig in try recorder.record(document, pos: pos, ord: ord, bands: bands, sig: sig) }
            }
        }
        counters.add(recordedCounter)
        return .keep
    }

    /// Runs `body`, turning any error into a `DedupIndexError` naming this stage and its index.
    func indexed<T>(_ body: () throws -> T) throws -> T {
        try DedupIndexError.wrapping(stage: stage, path: core.db.path, body)
    }

    func beginPart(_ part: Int) throws {
        try core.beginPart(part)
        recorder?.beginPart()
    }

    func endPart() throws { try core.commit() }

    func resume(finishedParts: Set<Int>) throws {
        try core.resume(finishedParts: finishedParts)
        onResume()
    }

    /// Global mode: commits the recorded documents. Online: writes `duplicates.jsonl` and `summary.json`.
    func finish(kind: String, summary: [String: JSONValue]) throws {
        if recorder != nil { try core.commit(); return }
        try core.writeDuplicatesFile(kind: kind, extra: summary)
    }
}
