import DomainForgeCore
import Shards
import Tokenization

/// Writes rendered SFT records as MDS shards with `tokens` and `loss_mask` columns plus `manifest.json`.
///
/// With `packWindow` set, consecutive records of the same source are packed into one sample of at most
/// `packWindow` tokens; a record is never split across samples (one longer than the window is written alone).
/// The packed sample's id lists its first record and the count (`id+N`).
public final class SFTShardWriter {
    public struct Options: Sendable {
        public var packWindow: Int?
        public var shardSizeLimit = 1 << 26
        public var zstdLevel: Int32? = 3
        public var dtype: TokenDType?
        /// Write a loss mask column (false for CPT-only mixes).
        public var lossMask = true
        public init() {}
    }

    public let directory: String
    public let options: Options
    let writer: MDSShardWriter
    let tokenizer: ShardManifest.Tokenizer
    let configHash: String
    let dtype: TokenDType
    private var pending: [String: (id: String, count: Int, tokens: [UInt32], mask: [UInt8])] = [:]
    private var pendingOrder: [String] = []
    public private(set) var recordsWritten = 0

    public init(directory: String, tokenizer: ShardManifest.Tokenizer, configHash: String, options: Options = .init()) throws {
        self.directory = directory
        self.options = options
        self.tokenizer = tokenizer
        self.configHash = configHash
        dtype = options.dtype ?? TokenDType.forVocab(tokenizer.vocabSize)
        var o = MDSShardWriter.Options()
        o.lossMask = options.lossMask
        o.dtype = dtype
        o.sizeLimit = options.shardSizeLimit
        o.zstdLevel = options.zstdLevel
        writer = try MDSShardWriter(directory: directory, options: o)
    }

    public convenience init(directory: String, tokenizer: BPETokenizer, configHash: String, options: Options = .init()) throws {
        let eos = tokenizer.specialTokenId("<|endoftext|>") ?? tokenizer.specialTokenId("<|eot_id|>") ?? tokenizer.specialTokenId("</s>")
        try self.init(directory: directory, tokenizer: .init(fingerprint: tokenizer.fingerprint, vocabSize: tokenizer.vocabSize, eosID: eos),
                      configHash: configHash, options: options)
    }

    /// Adds one rendered record.
    public func add(id: String, source: String, rendered r: RenderedSFT) throws {
        recordsWritten += 1
        guard let window = options.packWindow else {
            try writer.write(ShardSample(id: id, source: source, tokens: r.tokens, lossMask: options.lossMask ? r.lossMask : nil))
            return
        }
        if var p = pending[source] {
            if p.tokens.count + r.tokens.count <= window {
                p.tokens += r.tokens; p.mask += r.lossMask; p.count += 1
                pending[source] = p
                return
            }
            try flush(source)
        }
        pending[source] = (id, 1, r.tokens, r.lossMask)
        pendingOrder.append(source)
    }

    private func flush(_ source: String) throws {
        guard let p = pending.removeValue(forKey: source) else { return }
        pendingOrder.removeAll { $0 == source }
        try writer.write(ShardSample(id: p.count > 1 ? "\(p.id)+\(p.count)" : p.id, source: source, tokens: p.tokens,
                                     lossMask: options.lossMask ? p.mask : nil))
    }

    /// Flushes open packs, writes `index.json` and `manifest.json`, and returns the manifest.
    @discardableResult
    public func finish() throws -> ShardManifest {
        for s in pendingOrder { try flush(s) }
        let index = try writer.finish()
        let m = ShardManifest(writerShards: writer.shards, shardTokens: writer.shardTokens, stats: writer.stats, index: index.serialized(),
                              tokenizer: tokenizer, configHash: configHash, dtype: dtype, lossMask: options.lossMask)
        try m.write(directory: directory)
        return m
    }
}
