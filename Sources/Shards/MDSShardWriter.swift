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
    var samples: [[UInt8]] = []
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
        var payload = [UInt8]()
        payload.reserveCapacity(s.tokens.count * options.dtype.byteWidth + s.id.utf8.count + s.source.utf8.count + 32)
        var tok = [UInt8](), mask = [UInt8]()
        MDSFormat.appendNDArray(s.tokens, dtype: options.dtype, into: &tok)
        if let m = s.lossMask, options.lossMask {
            MDSFormat.appendShape(m.count, into: &mask)
            mask.append(contentsOf: m)
        }
        // Column order: id, [loss_mask], source, tokens.
        MDSFormat.appendU32(UInt32(s.id.utf8.count), &payload)
        if options.lossMask { MDSFormat.appendU32(UInt32(mask.count), &payload) }
        MDSFormat.appendU32(UInt32(s.source.utf8.count), &payload)
        MDSFormat.appendU32(UInt32(tok.count), &payload)
        payload.append(contentsOf: s.id.utf8)
        payload.append(contentsOf: mask)
        payload.append(contentsOf: s.source.utf8)
        payload.append(contentsOf: tok)
        let size = payload.count + 4
        if !samples.isEmpty && pendingBytes + size > options.sizeLimit { try flush() }
        samples.append(payload)
        pendingBytes += size
        currentTokens += s.tokens.count
        stats.add(source: s.source, tokens: s.tokens.count)
    }

    /// Hands the shard in memory, if any, to the background finisher (compression, hashes, file), which overlaps
    /// with encoding the next shard. At most one shard waits, so memory stays at about two shards.
    func flush() throws {
        guard !samples.isEmpty else { return }
        let n = samples.count
        var raw = [UInt8]()
        raw.reserveCapacity(pendingBytes)
        MDSFormat.appendU32(UInt32(n), &raw)
        var off = 4 + 4 * (n + 1) + config.count
        for s in samples { MDSFormat.appendU32(UInt32(off), &raw); off += s.count }
        MDSFormat.appendU32(UInt32(off), &raw)
        raw.append(contentsOf: config)
        for s in samples { raw.append(contentsOf: s) }
        let number = options.firstShardNumber + shards.count + (inFlight == nil ? 0 : 1)
        let info = MDSShardInfo(columnNames: columns.map(\.name), columnEncodings: columns.map(\.encoding),
                                compression: options.zstdLevel.map { "zstd:\($0)" }, sizeLimit: options.sizeLimit,
                                samples: n, rawBasename: "shard.\(String(format: "%05d", number)).mds", rawBytes: raw.count, rawSHA256: "",
                                zipBasename: nil, zipBytes: 0, zipSHA256: nil)
        try waitForFinisher()
        let job = FinishJob(raw: raw, info: info, tokens: currentTokens, level: options.zstdLevel, directory: directory)
        inFlight = job
        let t = Thread { job.run() }
        t.stackSize = 1 << 20
        t.start()
        samples.removeAll(keepingCapacity: true)
        pendingBytes = 8 + config.count
        currentTokens = 0
    }

    var inFlight: FinishJob?

    func waitForFinisher() throws {
        guard let job = inFlight else { return }
        inFlight = nil
        job.done.wait()
        if let e = job.error { throw e }
        shards.append(job.info)
        shardTokens.append(job.tokens)
    }

    final class HashJob: @unchecked Sendable {
        let bytes: [UInt8]
        var hex = ""
        let done = DispatchSemaphore(value: 0)
        init(_ b: [UInt8]) { bytes = b }
        func run() { hex = SHA256Hasher.hex(bytes); done.signal() }
    }

    /// Compresses, hashes and writes one shard (on its own thread).
    final class FinishJob: @unchecked Sendable {
        let raw: [UInt8]
        var info: MDSShardInfo
        let tokens: Int
        let level: Int32?
        let directory: String
        var error: (any Error)?
        let done = DispatchSemaphore(value: 0)

        init(raw: [UInt8], info: MDSShardInfo, tokens: Int, level: Int32?, directory: String) {
            self.raw = raw; self.info = info; self.tokens = tokens; self.level = level; self.directory = directory
        }

        func run() {
            defer { done.signal() }
            do {
                // The raw hash on a second thread while compressing.
                let rawHash = HashJob(raw)
                let ht = Thread { rawHash.run() }
                ht.start()
                defer { rawHash.done.wait(); info.rawSHA256 = rawHash.hex }
                var file = raw
                if let level {
                    file = try MDSShardWriter.compress(raw, level: level, name: info.rawBasename)
                    info.zipBasename = info.rawBasename + ".zstd"
                    info.zipBytes = file.count
                    info.zipSHA256 = SHA256Hasher.hex(file)
                }
                let out = try AtomicOutputFile(path: directory + "/" + info.fileBasename)
                try out.write(file)
                try out.commit()
            } catch {
                self.error = error
            }
        }
    }

    /// One zstd frame with the content size in its header. Uses zstd's own worker threads (always 2, so the bytes
    /// do not depend on the machine: zstd's multithreaded output is the same for any worker count).
    static func compress(_ raw: [UInt8], level: Int32, name: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(raw.count))
        guard let cctx = ZSTD_createCCtx() else { throw ShardError(file: name, message: "zstd: cannot create a context") }
        defer { ZSTD_freeCCtx(cctx) }
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, 2)
        let n = raw.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in ZSTD_compress2(cctx, dst.baseAddress, dst.count, src.baseAddress, src.count) }
        }
        if ZSTD_isError(n) != 0 { throw ShardError(file: name, message: "zstd: \(String(cString: ZSTD_getErrorName(n)))") }
        out.removeLast(out.count - n)
        return out
    }

    /// Flushes the last shard and writes `index.json`. Returns the index.
    @discardableResult
    public func finish() throws -> MDSIndex {
        try flush()
        try waitForFinisher()
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
