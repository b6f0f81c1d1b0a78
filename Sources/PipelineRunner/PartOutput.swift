import DomainForgeCore
import Foundation
import Shards
import PipelineConfig

/// The files of one part being written: documents, rejects and errors (opened when the first line comes), and
/// the part's shards; all under temporary names until `commit`.
final class PartOutput {
    let docs: AtomicOutputFile
    var rejects: AtomicOutputFile?
    var errors: AtomicOutputFile?
    let shards: MDSShardWriter?
    let shardOutput: ShardOutput?
    let rejectsPath: String
    let rejectsLevel: Int32?
    let errorsPath: String
    let configHash: String

    init(executor e: PipelineExecutor, part p: Int) throws {
        let name = e.partName(p)
        docs = try AtomicOutputFile(path: "\(e.out)/documents/\(name)\(e.docExt)", zstdLevel: e.spec.output.zstdLevel)
        rejectsPath = "\(e.out)/rejects/\(name)\(e.docExt)"
        // Rejects are for inspection: the fastest zstd level keeps the writer thread light.
        rejectsLevel = e.spec.output.zstdLevel.map { _ in 1 }
        errorsPath = "\(e.out)/errors/\(name).jsonl"
        configHash = e.spec.configHash
        shardOutput = e.shardOutput
        if let so = e.shardOutput {
            let dir = "\(e.shardsDir)/parts/\(name)"
            try? FileManager.default.removeItem(atPath: dir)
            var o = MDSShardWriter.Options()
            o.sizeLimit = so.sizeLimit
            o.zstdLevel = so.zstdLevel
            o.dtype = so.dtype
            shards = try MDSShardWriter(directory: dir, options: o)
        } else {
            shards = nil
        }
    }

    /// Appends one batch's output.
    func write(_ r: PipelineExecutor.BatchResult) throws {
        try docs.write(r.docs)
        if !r.rejects.isEmpty {
            if rejects == nil { rejects = try AtomicOutputFile(path: rejectsPath, zstdLevel: rejectsLevel) }
            try rejects!.write(r.rejects)
        }
        if !r.errors.isEmpty {
            if errors == nil { errors = try AtomicOutputFile(path: errorsPath) }
            try errors!.write(r.errors)
        }
        for smp in r.samples { try shards?.write(smp) }
    }

    /// Finishes the shards (with their manifest) and renames the files into place; returns the documents' bytes.
    func commit() throws -> Int {
        if let w = shards, let so = shardOutput {
            let index = try w.finish()
            try ShardManifest(writerShards: w.shards, shardTokens: w.shardTokens, stats: w.stats, index: index.serialized(),
                              tokenizer: so.tokenizer, configHash: configHash, dtype: so.dtype, lossMask: false)
                .write(directory: w.directory)
        }
        try docs.commit()
        try rejects?.commit()
        try errors?.commit()
        return docs.bytesWritten
    }
}
