#if canImport(Glibc)
import Glibc
#endif
import CZstd
import DomainForgeCore
import Foundation

/// Writes tokenized samples as an MDS dataset folder: `shard.NNNNN.mds.zstd` files (each compressed whole, with
/// its content size in the zstd frame, as the `zstd` Python package needs) and `index.json`, all written under a
/// temporary name and renamed. Keeps one shard in memory (at most `sizeLimit` bytes).
public final class MDSShardWriter {
    public struct Options: Sendable {
        /// Bytes per shard before compression (MDS default 1 << 26).
        public var sizeLimit = 1 << 26
        /// zstd level; nil writes uncompressed `.mds` shards.
        public var zstdLevel: Int32? = 3
        public var dtype: TokenDType = .uint16
        /// Whether samples carry a loss mask (SFT).
        public var lossMask = false
        /// Shard file names start at this number (used when several writers fill one folder).
        public var firstShardNumber = 0
        public init() {}
    }

    public let directory: String
    public let options: Options
    let columns: [(name: String, encoding: String)]
    let config: [UInt8]
    /// The current shard's samples, encoded back to back, and their sizes.
    var body = [UInt8]()
    var sampleSizes: [Int] = []
    var pendingBytes = 0
    public private(set) var shards: [MDSShardInfo] = []
    /// Token counts per shard (for the manifest).
    public private(set) var shardTokens: [Int] = []
    var currentTokens = 0
    public private(set) var stats = ShardDatasetStats()

    public init(directory: String, options: Options = .init()) throws {
        self.directory = directory
        self.options = options
        try makeDirectory(directory)
        columns = MDSFormat.columns(dtype: options.dtype, lossMask: options.lossMask)
        config = MDSFormat.shardConfigJSON(columns: columns, compression: options.zstdLevel.map { "zstd:\($0)" }, sizeLimit: options.sizeLimit)
        pendingBytes = 8 + config.count
    }

    /// Encodes one sample, flushing the current shard first when the sample would not fit.
    /// Throws for an empty token list (MDS cannot store empty arrays), a loss mask of the wrong length,
    /// or an id too large for a uint16 column.
    public func write(_ s: ShardSample) throws {
        guard !s.tokens.isEmpty else { throw ShardError(file: directory, message: "sample \(s.id) has no tokens") }
        if options.lossMask {
            guard let m = s.lossMask, m.count == s.tokens.count else {
                throw ShardError(file: directory, message: "sample \(s.id): loss_mask must have one byte per token")
            }
        }
        if options.dtype == .uint16, let big = s.tokens.first(where: { $0 > 0xFFFF }) {
            throw ShardError(file: directory, message: "sample \(s.id): token id \(big) does not fit uint16; use dtype uint32")
        }
        // Sample layout: u32 size per column, then id, [loss_mask], source, tokens (columns in name order).
        let tokBytes = MDSFormat.shapeBytes(s.tokens.count) + s.tokens.count * options.dtype.byteWidth
        let maskBytes = options.lossMask ? MDSFormat.shapeBytes(s.tokens.count) + s.tokens.count : 0
        let idLen = s.id.utf8.count, srcLen = s.source.utf8.count
        let size = 4 * columns.count + idLen + maskBytes + srcLen + tokBytes
        if !sampleSizes.isEmpty && pendingBytes + size + 4 > options.sizeLimit { try flush() }
        if body.capacity == 0 { body.reserveCapacity(min(options.sizeLimit, 1 << 26)) }  // once per shard
        MDSFormat.appendU32(UInt32(idLen), &body)
        if options.lossMask { MDSFormat.appendU32(UInt32(maskBytes), &body) }
        MDSFormat.appendU32(UInt32(srcLen), &body)
        MDSFormat.appendU32(UInt32(tokBytes), &body)
        body.append(contentsOf: s.id.utf8)
        if let m = s.lossMask, options.lossMask {
            MDSFormat.appendShape(m.count, into: &body)
            body.append(contentsOf: m)
        }
        body.append(contentsOf: s.source.utf8)
        MDSFormat.appendNDArray(s.tokens, dtype: options.dtype, into: &body)
        sampleSizes.append(size)
        pendingBytes += size + 4
        currentTokens += s.tokens.count
        stats.add(source: s.source, tokens: s.tokens.count)
    }

    /// Hands the shard in memory, if any, to the background finisher (compression, hashes, file), which overlaps
    /// with encoding the next shard. At most one shard waits, so memory stays at about two shards.
    func flush() throws {
        guard !sampleSizes.isEmpty else { return }
        let n = sampleSizes.count
        var header = [UInt8]()
        header.reserveCapacity(8 + 4 * n + config.count)
        MDSFormat.appendU32(UInt32(n), &header)
        var off = 4 + 4 * (n + 1) + config.count
        for size in sampleSizes { MDSFormat.appendU32(UInt32(off), &header); off += size }
        MDSFormat.appendU32(UInt32(off), &header)
        header.append(contentsOf: config)
        let number = options.firstShardNumber + shards.count + (inFlight == nil ? 0 : 1)
        let info = MDSShardInfo(columnNames: columns.map(\.name), columnEncodings: columns.map(\.encoding),
                                compression: options.zstdLevel.map { "zstd:\($0)" }, sizeLimit: options.sizeLimit,
                                samples: n, rawBasename: "shard.\(String(format: "%05d", number)).mds", rawBytes: header.count + body.count, rawSHA256: "",
                                zipBasename: nil, zipBytes: 0, zipSHA256: nil)
        try waitForFinisher()
        var taken = [UInt8]()
        swap(&taken, &body)
        let job = FinishJob(header: header, body: taken, info: info, tokens: currentTokens, level: options.zstdLevel, directory: directory,
                            context: zstdContext)
        inFlight = job
        let t = Thread { job.run() }
        t.stackSize = 1 << 20
        t.start()
        sampleSizes.removeAll(keepingCapacity: true)
        pendingBytes = 8 + config.count
        currentTokens = 0
    }

    var inFlight: FinishJob?
    /// One zstd context (and its worker threads) for all shards; used by one finisher at a time.
    let zstdContext: ZstdContext = ZstdContext()

    final class ZstdContext: @unchecked Sendable {
        let cctx: OpaquePointer? = ZSTD_createCCtx()
        deinit { if let c = cctx { ZSTD_freeCCtx(c) } }
    }

    func waitForFinisher() throws {
        guard let job = inFlight else { return }
        inFlight = nil
        job.done.wait()
        if let e = job.error { throw e }
        shards.append(job.info)
        shardTokens.append(job.tokens)
    }

    /// Compresses, hashes and writes one shard (on its own thread). The shard is header + body, never concatenated.
    final class FinishJob: @unchecked Sendable {
        let header: [UInt8]
        let body: [UInt8]
        var info: MDSShardInfo
        let tokens: Int
        let level: Int32?
        let directory: String
        let context: ZstdContext
        var error: (any Error)?
        let done = DispatchSemaphore(value: 0)

        init(header: [UInt8], body: [UInt8], info: MDSShardInfo, tokens: Int, level: Int32?, directory: String, context: ZstdContext) {
            self.header = header; self.body = body; self.info = info; self.tokens = tokens; self.level = level; self.directory = directory
            self.context = context
        }

        func run() {
            defer { done.signal() }
            do {
                // The raw hash on a second thread while compressing.
                let rawHash = HashJob([header, body])
                let ht = Thread { rawHash.run() }
                ht.start()
                defer { rawHash.done.wait(); info.rawSHA256 = rawHash.hex }
                let out = try AtomicOutputFile(path: directory + "/" + (level != nil ? info.rawBasename + ".zstd" : info.rawBasename))
                if let level {
                    let file = try MDSShardWriter.compress([header, body], level: level, name: info.rawBasename, context: context.cctx)
                    info.zipBasename = info.rawBasename + ".zstd"
                    info.zipBytes = file.count
                    info.zipSHA256 = SHA256Hasher.hex(file)
                    try out.write(file)
                } else {
                    try out.write(header)
                    try out.write(body)
                }
                try out.commit(sync: false)  // synced together in finish()
            } catch {
                self.error = error
            }
        }
    }

    final class HashJob: @unchecked Sendable {
        let parts: [[UInt8]]
        var hex = ""
        let done = DispatchSemaphore(value: 0)
        init(_ p: [[UInt8]]) { parts = p }
        func run() {
            var h = SHA256Hasher()
            for p in parts { h.update(p) }
            hex = h.finalizeHex()
            done.signal()
        }
    }

    /// One zstd frame with the content size in its header, from several buffers without joining them. Uses zstd's
    /// own worker threads (always 2, so the bytes do not depend on the machine).
    static func compress(_ parts: [[UInt8]], level: Int32, name: String, context: OpaquePointer? = nil) throws -> [UInt8] {
        let total = parts.reduce(0) { $0 + $1.count }
        // Uninitialized output buffer: zero-filling tens of megabytes first would cost as much as hashing them.
        var out = [UInt8](unsafeUninitializedCapacity: ZSTD_compressBound(total)) { _, count in count = ZSTD_compressBound(total) }
        let owned = context == nil
        guard let cctx = context ?? ZSTD_createCCtx() else { throw ShardError(file: name, message: "zstd: cannot create a context") }
        defer { if owned { ZSTD_freeCCtx(cctx) } }
        ZSTD_CCtx_reset(cctx, ZSTD_reset_session_only)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, 2)
        ZSTD_CCtx_setPledgedSrcSize(cctx, UInt64(total))
        var produced = 0
        var failure: String?
        out.withUnsafeMutableBytes { dst in
            var output = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
            for (k, p) in parts.enumerated() {
                p.withUnsafeBytes { src in
                    var input = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
                    let last = k == parts.count - 1
                    while true {
                        let r = ZSTD_compressStream2(cctx, &output, &input, last ? ZSTD_e_end : ZSTD_e_continue)
                        if ZSTD_isError(r) != 0 { failure = String(cString: ZSTD_getErrorName(r)); return }
                        if last ? r == 0 : input.pos == input.size { break }
                    }
                }
                if failure != nil { return }
            }
            produced = output.pos
        }
        if let f = failure { throw ShardError(file: name, message: "zstd: \(f)") }
        out.removeLast(out.count - produced)
        return out
    }

    /// Flushes the last shard and writes `index.json`. Returns the index.
    @discardableResult
    public func finish() throws -> MDSIndex {
        try flush()
        try waitForFinisher()
        try AtomicOutputFile.sync(paths: shards.map { directory + "/" + $0.fileBasename })
        let index = MDSIndex(shards: shards)
        let f = try AtomicOutputFile(path: directory + "/" + MDSFormat.indexName)
        try f.write(index.serialized())
        try f.commit()
        return index
    }
}

/// Counts kept while writing, for the manifest: samples and tokens per source and a token-length histogram.
public struct ShardDatasetStats: Sendable, Equatable {
    public var samples = 0
    public var tokens = 0
    public var perSource: [String: (samples: Int, tokens: Int)] = [:]
    /// Histogram of sample lengths in power-of-two buckets: bucket k counts lengths in [2^k, 2^(k+1)).
    public var lengthBuckets = [Int](repeating: 0, count: 33)

    public init() {}

    public mutating func add(source: String, tokens n: Int) {
        samples += 1
        tokens += n
        let cur = perSource[source] ?? (0, 0)
        perSource[source] = (cur.samples + 1, cur.tokens + n)
        lengthBuckets[n <= 1 ? 0 : (Int.bitWidth - (n).leadingZeroBitCount - 1)] += 1
    }

    public mutating func merge(_ o: ShardDatasetStats) {
        samples += o.samples
        tokens += o.tokens
        for (k, v) in o.perSource {
            let cur = perSource[k] ?? (0, 0)
            perSource[k] = (cur.samples + v.samples, cur.tokens + v.tokens)
        }
        for i in lengthBuckets.indices { lengthBuckets[i] += o.lengthBuckets[i] }
    }

    public static func == (a: ShardDatasetStats, b: ShardDatasetStats) -> Bool {
        a.samples == b.samples && a.tokens == b.tokens && a.lengthBuckets == b.lengthBuckets
            && a.perSource.count == b.perSource.count
            && a.perSource.allSatisfy { k, v in b.perSource[k].map { $0.samples == v.samples && $0.tokens == v.tokens } ?? false }
    }
}
