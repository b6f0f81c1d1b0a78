import DomainForgeCore
import Shards
import PipelineConfig

/// The per-document chain: workers run the per-document stages up to the first ordered stage and its preparer;
/// the writer thread decides the ordered stages in input order and runs the rest.
extension PipelineExecutor {
    /// A document that reached an ordered stage on a worker; the writer thread continues its chain.
    struct Pending {
        var doc: Document
        var step: Int
        /// The result of the ordered stage's preparer.
        var prepared: any Sendable
    }

    struct BatchResult {
        var docs = [UInt8]()
        var rejects = [UInt8]()
        var errors = [UInt8]()
        var samples = [ShardSample]()
        var pending = [Pending]()
        var stats: RunStats
        var counters: [StageCounters]
        var finishedFileBytes = 0
    }

    /// Decodes and processes one batch (runs on a worker thread): per-document stages up to the first ordered stage.
    func process(_ batch: RawBatch, files: [InputFile]) -> BatchResult {
        var r = BatchResult(stats: RunStats(stageNames: stepNames), counters: Array(repeating: StageCounters(), count: stepNames.count))
        for (fi, item) in batch.items {
            for res in decoder.decode(item, file: files[fi]) {
                switch res {
                case .failure(let e):
                    r.stats.rejected[e.code, default: 0] += 1
                    r.errors.append(contentsOf: e.jsonLine())
                case .success(var doc):
                    r.stats.documentsRead += 1
                    r.stats.noteDecoding(of: doc)
                    var si = 0
                    while si < stepNames.count {
                        if let preparer = preparers[si] {
                            r.pending.append(Pending(doc: doc, step: si, prepared: preparer.prepare(doc)))
                            break
                        }
                        guard let stage = documentStages[si] else { preconditionFailure("ordered step \(si) without a preparer") }
                        let textBefore = doc.text  // O(1): rejects show the text as it entered the dropping stage
                        r.stats.stages[si].total += 1
                        let verdict = stage.process(&doc, counters: &r.counters[si])
                        guard account(verdict, step: si, doc: &doc, textBefore: textBefore, into: &r) else { break }
                        si += 1
                    }
                    if si == stepNames.count { output(doc, into: &r) }
                }
            }
        }
        r.finishedFileBytes = batch.finishedFileBytes
        return r
    }

    /// Continues a pending document on the writer thread, from its ordered stage to the end. Throws the error of
    /// an ordered stage's `decide` (an index error), which fails the part.
    func finishChain(_ item: Pending, into r: inout BatchResult) throws {
        var doc = item.doc
        for si in item.step..<steps.count {
            let textBefore = doc.text
            r.stats.stages[si].total += 1
            let verdict: StageVerdict
            switch steps[si] {
            case .document(let stage):
                verdict = stage.process(&doc, counters: &r.counters[si])
            case .ordered(let stage):
                let prepared = si == item.step ? item.prepared : stage.anyPreparer.prepare(doc)
                verdict = try stage.decide(&doc, erasedPrepared: prepared, counters: &r.counters[si])
            }
            guard account(verdict, step: si, doc: &doc, textBefore: textBefore, into: &r) else { return }
        }
        output(doc, into: &r)
    }

    /// Counts a verdict; on a drop writes the reject (with the text as it entered the stage) and returns false.
    func account(_ verdict: StageVerdict, step si: Int, doc: inout Document, textBefore: String, into r: inout BatchResult) -> Bool {
        switch verdict {
        case .keep:
            r.stats.stages[si].kept += 1
            return true
        case .drop(let reason, let details):
            r.stats.stages[si].dropped[reason, default: 0] += 1
            if spec.output.writeRejects {
                doc.text = textBefore
                Self.writeReject(doc, stage: stepNames[si], reason: reason, details: details, into: &r.rejects)
            }
            return false
        }
    }

    /// A document that passed every step: its JSONL line, and its tokens for the shards.
    func output(_ doc: Document, into r: inout BatchResult) {
        r.stats.kept += 1
        JSONWriter.writeDocument(doc, into: &r.docs)
        if shardOutput != nil, let t = doc.tokens {
            r.samples.append(ShardSample(id: doc.id, source: doc.metadata["source_name"]?.stringValue ?? doc.source, tokens: t))
        }
    }

    /// One rejects line: `{"id","source","stage","reason"[,"duplicate_of","similarity"],"text"}`.
    static func writeReject(_ d: Document, stage: String, reason: String, details: DropDetails? = nil, into out: inout [UInt8]) {
        out.append(contentsOf: "{\"id\":".utf8)
        JSONWriter.writeString(d.id, into: &out)
        out.append(contentsOf: ",\"source\":".utf8)
        JSONWriter.writeString(d.source, into: &out)
        out.append(contentsOf: ",\"stage\":".utf8)
        JSONWriter.writeString(stage, into: &out)
        out.append(contentsOf: ",\"reason\":".utf8)
        JSONWriter.writeString(reason, into: &out)
        if let m = details {
            out.append(contentsOf: ",\"duplicate_of\":".utf8)
            JSONWriter.writeString(m.duplicateOf, into: &out)
            out.append(contentsOf: ",\"similarity\":".utf8)
            JSONWriter.write(.double((m.similarity * 10_000).rounded() / 10_000), into: &out)
        }
        out.append(contentsOf: ",\"text\":".utf8)
        JSONWriter.writeString(d.text, into: &out)
        out.append(contentsOf: "}\n".utf8)
    }
}
