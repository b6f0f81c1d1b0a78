import DomainForgeCore
import Shards
import Tokenization

/// Writes rendered SFT records as MDS shards with `tokens` and `loss_mask` columns plus `manifest.json`.
///
/// With `packWindow` set, records of the same source are packed into samples of at most `packWindow` tokens by
/// first fit over a few open windows (`openWindows`); a record is never split across samples (one longer than the
/// window is written alone).
/// The packed sample's id lists its first record and the count (`id+N`).
public final class SFTShardWriter {
    public struct Options: Sendable {
        public var packWindow: Int?
        /// Open windows per source while packing (first fit); 1 packs strictly in order.
        public var openWindows = 8
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
    private struct Bin { var id: String; var count: Int; var tokens: [UInt32]; var mask: [UInt8] }
    /// Open windows per source, in opening order.
    private var bins: [String: [Bin]] = [:]
    private var sourceOrder: [String] = []
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
        // First fit over at most `openWindows` open windows of this source; when all are open and none fits,
        // the fullest is written out.
        if bins[source] == nil { bins[source] = []; sourceOrder.append(source) }
        if let i = bins[source]!.firstIndex(where: { $0.tokens.count + r.tokens.count <= window }) {
            bins[source]![i].tokens += r.tokens
            bins[source]![i].mask += r.lossMask
            bins[source]![i].count += 1
            return
        }
        if bins[source]!.count >= max(1, options.openWindows) {
            let full = bins[source]!.indices.max { bins[source]![$0].tokens.count < bins[source]![$1].tokens.count }!
            try write(bins[source]!.remove(at: full), source: source)
        }
        bins[source]!.append(Bin(id: id, count: 1, tokens: r.tokens, mask: r.lossMask))
    }

    private func write(_ p: Bin, source: String) throws {
        try writer.write(ShardSample(id: p.count > 1 ? "\(p.id)+\(p.count)" : p.id, source: source, tokens: p.tokens,
                                     lossMask: options.lossMask ? p.mask : nil))
    }

    /// Flushes open packs, writes `index.json` and `manifest.json`, and returns the manifest.
    @discardableResult
    public func finish() throws -> ShardManifest {
        for s in sourceOrder { for b in bins[s] ?? [] { try write(b, source: s) } }
        bins = [:]
        let index = try writer.finish()
        let m = ShardManifest(writerShards: writer.shards, shardTokens: writer.shardTokens, stats: writer.stats, index: index.serialized(),
                              tokenizer: tokenizer, configHash: configHash, dtype: dtype, lossMask: options.lossMask)
        try m.write(directory: directory)
        return m
    }
}
