import DomainForgeCore

/// Reads an MDS token dataset folder written by `MDSShardWriter` (or by MosaicML's `MDSWriter` with the same
/// columns). Opening checks `index.json` (and `manifest.json` when present) and that every shard file exists with
/// the recorded size, so a missing or truncated file is named before any sample is returned. With `verifyHashes`
/// (the default) each shard file's sha256 is checked against `index.json` every time the shard is opened, before
/// any of its samples is returned.
public final class ShardReader: Sendable {
    public let directory: String
    public let index: MDSIndex
    public let manifest: ShardManifest?
    public let dtype: TokenDType
    public let hasLossMask: Bool
    /// Whether opening a shard checks its file's sha256 first (off: `--no-verify`).
    public let verifyHashes: Bool
    /// Column positions within a sample.
    let columnNames: [String]

    /// Opens the folder. `verifyHashes` false skips the per-shard sha256 check (layout checks still run).
    public init(directory: String, verifyHashes: Bool = true) throws {
        self.directory = directory
        self.verifyHashes = verifyHashes
        let (index, indexBytes) = try MDSIndex.load(directory: directory)
        self.index = index
        manifest = try ShardManifest.load(directory: directory)
        if let m = manifest, m.indexSHA256 != SHA256Hasher.hex(indexBytes) {
            throw ShardError(file: directory + "/" + MDSFormat.indexName, message: "does not match the manifest (modified or corrupted)")
        }
        guard let first = index.shards.first else {
            dtype = .uint16; hasLossMask = false; columnNames = []
            return
        }
        columnNames = first.columnNames
        guard let ti = first.columnNames.firstIndex(of: "tokens") else {
            throw ShardError(file: directory + "/" + MDSFormat.indexName, message: "no 'tokens' column")
        }
        switch first.columnEncodings[ti] {
        case "ndarray:uint16": dtype = .uint16
        case "ndarray:uint32", "ndarray:int32": dtype = .uint32
        case let e: throw ShardError(file: directory + "/" + MDSFormat.indexName, message: "unsupported tokens encoding \(e)")
        }
        hasLossMask = first.columnNames.contains("loss_mask")
        for s in index.shards {
            guard s.columnNames == first.columnNames, s.columnEncodings == first.columnEncodings else {
                throw ShardError(file: directory + "/" + s.fileBasename, message: "columns differ from the first shard")
            }
            let path = directory + "/" + s.fileBasename
            var st = stat()
            guard stat(path, &st) == 0 else { throw ShardError(file: path, message: "shard file is missing") }
            let expect = s.zipBasename != nil ? s.zipBytes : s.rawBytes
            if Int(st.st_size) != expect {
                throw ShardError(file: path, message: "size \(st.st_size) bytes, index.json says \(expect) (truncated or replaced)")
            }
        }
    }

    public var sampleCount: Int { index.shards.reduce(0) { $0 + $1.samples } }

    /// The hash shard `i`'s stored file (compressed bytes when compressed) is checked against: the sha256 of
    /// `index.json`, else `manifest.json`'s, else another algorithm `index.json` records that libcrypto computes
    /// (first by name); nil when there is none (such a shard cannot be hash-checked).
    public func expectedHash(shard i: Int) -> (algorithm: String, hex: String)? {
        let s = index.shards[i]
        if let h = s.zipBasename != nil ? s.zipSHA256 : s.rawSHA256, !h.isEmpty { return ("sha256", h) }
        if let m = manifest, i < m.shards.count, !m.shards[i].sha256.isEmpty { return ("sha256", m.shards[i].sha256) }
        return s.otherHashes.sorted { $0.key < $1.key }.first { FileDigest.isSupported($0.key) }.map { ($0.key, $0.value) }
    }

    /// Hashes shard `i`'s file (streaming) and throws when it differs from the recorded hash.
    public func checkHash(shard i: Int) throws {
        guard let (algorithm, want) = expectedHash(shard: i) else { return }
        let path = directory + "/" + index.shards[i].fileBasename
        guard let got = FileDigest.hex(fileAt: path, algorithm: algorithm) else {
            throw ShardError(file: path, message: "cannot read the shard file")
        }
        guard got == want else {
            throw ShardError(file: path, message: "\(algorithm) does not match index.json (corrupted or modified shard); "
                + "re-create the shard folder or restore this file (`pipeline verify` lists every damaged file)")
        }
    }

    /// A streaming iterator over one shard's samples (bounded memory: the offsets and one sample).
    public func samples(inShard i: Int) throws -> ShardSampleIterator {
        try ShardSampleIterator(reader: self, shard: i)
    }

    /// Calls `body` with every sample of every shard in order; stops early when `body` returns false.
    public func forEach(_ body: (ShardSample) throws -> Bool) throws {
        for i in index.shards.indices {
            let it = try samples(inShard: i)
            while let s = try it.next() { if try !body(s) { return } }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Sequential reader of one shard: decompresses as it goes and checks the layout (offsets, sizes, encodings).
public final class ShardSampleIterator {
    let source: any ByteSource
    let name: String
    let info: MDSShardInfo
    let reader: ShardReader
    var buf = [UInt8]()
    var pos = 0
    var consumed = 0  // bytes of the raw shard consumed before buf[pos]
    var offsets: [UInt32] = []
    var nextIndex = 0

    init(reader: ShardReader, shard i: Int) throws {
        self.reader = reader
        info = reader.index.shards[i]
        name = reader.directory + "/" + info.fileBasename
        if reader.verifyHashes { try reader.checkHash(shard: i) }
        do {
            source = try openByteSource(path: name, displayName: name)
        } catch { throw ShardError(file: name, message: "cannot open: \(error)") }
        let head = try take(4)
        let n = head.withUnsafeBytes { Int(MDSFormat.readU32($0, 0)) }
        guard n == info.samples else { throw ShardError(file: name, message: "holds \(n) samples, index.json says \(info.samples)") }
        let offs = try take(4 * (n + 1))
        offsets = offs.withUnsafeBytes { b in (0...n).map { MDSFormat.readU32(b, 4 * $0) } }
        let headerEnd = 4 + 4 * (n + 1)
        guard Int(offsets[0]) >= headerEnd else {
            throw ShardError(file: name, message: "sample 0: starts at offset \(offsets[0]), inside the \(headerEnd)-byte header (corrupt header)")
        }
        guard Int(offsets[n]) == info.rawBytes else {
            let what = n > 0 ? "sample \(n - 1): ends" : "the samples end"
            throw ShardError(file: name, message: "\(what) at offset \(offsets[n]), but the decompressed shard holds \(info.rawBytes) bytes (corrupt header)")
        }
        for k in 0..<n where offsets[k + 1] < offsets[k] {
            throw ShardError(file: name, message: "sample \(k): ends at offset \(offsets[k + 1]) before it starts at \(offsets[k]) (corrupt header)")
        }
        _ = try take(Int(offsets[0]) - headerEnd)  // shard config JSON
    }

    private func take(_ n: Int) throws -> [UInt8] {
        while buf.count - pos < n {
            if pos > 0 { buf.removeFirst(pos); pos = 0 }
            let got: Int
            do { got = try source.read(into: &buf, count: max(1 << 20, n - buf.count)) } catch {
                throw ShardError(file: name, message: "\(error)")
            }
            if got == 0 { throw ShardError(file: name, message: "ends early (truncated or corrupt)") }
        }
        let out = Array(buf[pos..<(pos + n)])
        pos += n
        consumed += n
        return out
    }

    /// The next sample, or nil after the last one (then the stream must be exhausted too).
    public func next() throws -> ShardSample? {
        if nextIndex >= info.samples {
            if nextIndex == info.samples {
                nextIndex += 1
                var extra = [UInt8]()
                var more = buf.count > pos
                if !more {
                    do { more = try source.read(into: &extra, count: 1) > 0 } catch { throw ShardError(file: name, message: "\(error)") }
                }
                if more {
                    throw ShardError(file: name, message: "has data after the last sample (corrupt)")
                }
            }
            return nil
        }
        let size = Int(offsets[nextIndex + 1] - offsets[nextIndex])
        let bytes = try take(size)
        let k = nextIndex
        nextIndex += 1
        return try bytes.withUnsafeBytes { b in try decode(b, index: k) }
    }

    func decode(_ b: UnsafeRawBufferPointer, index k: Int) throws -> ShardSample {
        func fail(_ m: String) -> ShardError { ShardError(file: name, message: "sample \(k): \(m)") }
        let cols = reader.columnNames
        guard b.count >= 4 * cols.count else { throw fail("too short") }
        var sizes = [Int]()
        var total = 4 * cols.count
        for c in cols.indices { let s = Int(MDSFormat.readU32(b, 4 * c)); sizes.append(s); total += s }
        guard total == b.count else { throw fail("column sizes do not add up (corrupt)") }
        var at = 4 * cols.count
        var id = "", source = "", tokens = [UInt32](), mask: [UInt8]?
        for (c, col) in cols.enumerated() {
            let part = UnsafeRawBufferPointer(rebasing: b[at..<(at + sizes[c])])
            at += sizes[c]
            switch col {
            case "id": id = String(decoding: part, as: UTF8.self)
            case "source": source = String(decoding: part, as: UTF8.self)
            case "tokens":
                let w = reader.dtype.byteWidth
                guard let (n, v) = MDSFormat.decodeNDArray(part, elementWidth: w) else { throw fail("tokens array is malformed") }
                tokens = [UInt32](unsafeUninitializedCapacity: n) { out, count in
                    for j in 0..<n {
                        let p = v + j * w
                        out[j] = w == 2 ? UInt32(part[p]) | UInt32(part[p + 1]) << 8 : MDSFormat.readU32(part, p)
                    }
                    count = n
                }
            case "loss_mask":
                guard let (n, v) = MDSFormat.decodeNDArray(part, elementWidth: 1) else { throw fail("loss_mask array is malformed") }
                mask = Array(part[v..<(v + n)])
            default: break
            }
        }
        if let m = mask, m.count != tokens.count { throw fail("loss_mask length \(m.count) != tokens \(tokens.count)") }
        if let vs = reader.manifest?.tokenizer.vocabSize, let bad = tokens.first(where: { Int($0) >= vs }) {
            throw fail("token id \(bad) is outside the vocabulary (\(vs))")
        }
        return ShardSample(id: id, source: source, tokens: tokens, lossMask: mask)
    }
}
