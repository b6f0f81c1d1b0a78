import DomainForgeCore

/// `manifest.json` beside an MDS dataset (`schemas/shard-manifest.schema.json`): what produced the shards and what
/// they hold, with a self-checksum so that any change to the file is detected by `pipeline verify`.
public struct ShardManifest: Sendable, Equatable {
    public struct Tokenizer: Sendable, Equatable {
        public var fingerprint: String
        public var vocabSize: Int
        public var eosID: UInt32?
        public init(fingerprint: String, vocabSize: Int, eosID: UInt32?) { self.fingerprint = fingerprint; self.vocabSize = vocabSize; self.eosID = eosID }
    }
    public struct Shard: Sendable, Equatable {
        public var basename: String
        public var samples: Int
        public var tokens: Int
        public var sha256: String
    }

    public var tokenizer: Tokenizer
    public var configHash: String
    public var dtype: TokenDType
    public var lossMask: Bool
    public var stats: ShardDatasetStats
    public var shards: [Shard]
    public var indexSHA256: String

    public init(tokenizer: Tokenizer, configHash: String, dtype: TokenDType, lossMask: Bool, stats: ShardDatasetStats, shards: [Shard], indexSHA256: String) {
        self.tokenizer = tokenizer; self.configHash = configHash; self.dtype = dtype; self.lossMask = lossMask
        self.stats = stats; self.shards = shards; self.indexSHA256 = indexSHA256
    }

    /// Builds the manifest of a finished writer's output.
    public init(writerShards: [MDSShardInfo], shardTokens: [Int], stats: ShardDatasetStats, index: [UInt8],
                tokenizer: Tokenizer, configHash: String, dtype: TokenDType, lossMask: Bool) {
        self.init(tokenizer: tokenizer, configHash: configHash, dtype: dtype, lossMask: lossMask, stats: stats,
                  shards: zip(writerShards, shardTokens).map { Shard(basename: $0.fileBasename, samples: $0.samples, tokens: $1, sha256: $0.zipSHA256 ?? $0.rawSHA256) },
                  indexSHA256: SHA256Hasher.hex(index))
    }

    func body() -> [String: JSONValue] {
        var sources = [String: JSONValue]()
        for (k, v) in stats.perSource { sources[k] = .object(["samples": .int(Int64(v.samples)), "tokens": .int(Int64(v.tokens))]) }
        var tok: [String: JSONValue] = ["fingerprint": .string(tokenizer.fingerprint), "vocab_size": .int(Int64(tokenizer.vocabSize))]
        if let e = tokenizer.eosID { tok["eos_id"] = .int(Int64(e)) }
        return [
            "format": .string("domainforge-shards"),
            "version": .int(1),
            "layout": .string("mds"),
            "tokenizer": .object(tok),
            "config_hash": .string(configHash),
            "token_dtype": .string(dtype.rawValue),
            "loss_mask": .bool(lossMask),
            "samples": .int(Int64(stats.samples)),
            "tokens": .int(Int64(stats.tokens)),
            "sources": .object(sources),
            "length_histogram": .object([
                "bucket_lower_bounds": .array((0..<33).map { .int($0 == 0 ? 0 : Int64(1) << Int64($0)) }),
                "counts": .array(stats.lengthBuckets.map { .int(Int64($0)) }),
            ]),
            "shards": .array(shards.map { .object(["basename": .string($0.basename), "samples": .int(Int64($0.samples)),
                                                   "tokens": .int(Int64($0.tokens)), "sha256": .string($0.sha256)]) }),
            "index_sha256": .string(indexSHA256),
        ]
    }

    /// The file bytes: the body plus `checksum`, the SHA-256 of the body serialized without it.
    public func serialized() -> [UInt8] {
        var b = body()
        b["checksum"] = .string(SHA256Hasher.hex(Array(JSONValue.object(b).serialized().utf8)))
        return Array((JSONValue.object(b).serialized() + "\n").utf8)
    }

    /// Writes `DIR/manifest.json` atomically.
    public func write(directory: String) throws {
        let f = try AtomicOutputFile(path: directory + "/" + MDSFormat.manifestName)
        try f.write(serialized())
        try f.commit()
    }

    /// Reads and checks `DIR/manifest.json`; nil when the folder has none (a plain MDS folder).
    public static func load(directory: String) throws -> ShardManifest? {
        let path = directory + "/" + MDSFormat.manifestName
        guard let bytes = readFile(path) else { return nil }
        func fail(_ m: String) -> ShardError { ShardError(file: path, message: m) }
        guard case .object(var o)? = try? JSONParser.parse(bytes: bytes) else { throw fail("not a JSON object") }
        guard let sum = o.removeValue(forKey: "checksum")?.stringValue else { throw fail("no checksum") }
        if SHA256Hasher.hex(Array(JSONValue.object(o).serialized().utf8)) != sum {
            throw fail("checksum mismatch: the manifest was modified or corrupted")
        }
        let v = JSONValue.object(o)
        guard let tok = v["tokenizer"], let fp = tok["fingerprint"]?.stringValue, let vs = tok["vocab_size"]?.intValue,
              let dt = v["token_dtype"]?.stringValue.flatMap(TokenDType.init(rawValue:)),
              let shardsV = v["shards"]?.arrayValue, let idx = v["index_sha256"]?.stringValue else { throw fail("missing fields") }
        var stats = ShardDatasetStats()
        stats.samples = v["samples"]?.intValue ?? 0
        stats.tokens = v["tokens"]?.intValue ?? 0
        for (k, s) in v["sources"]?.objectValue ?? [:] { stats.perSource[k] = (s["samples"]?.intValue ?? 0, s["tokens"]?.intValue ?? 0) }
        let counts = v["length_histogram"]?["counts"]?.arrayValue?.compactMap(\.intValue) ?? []
        if counts.count == 33 { stats.lengthBuckets = counts }
        return ShardManifest(
            tokenizer: Tokenizer(fingerprint: fp, vocabSize: vs, eosID: tok["eos_id"]?.intValue.map { UInt32($0) }),
            configHash: v["config_hash"]?.stringValue ?? "", dtype: dt, lossMask: v["loss_mask"]?.boolValue ?? false,
            stats: stats,
            shards: shardsV.map { Shard(basename: $0["basename"]?.stringValue ?? "", samples: $0["samples"]?.intValue ?? 0,
                                        tokens: $0["tokens"]?.intValue ?? 0, sha256: $0["sha256"]?.stringValue ?? "") },
            indexSHA256: idx)
    }
}
