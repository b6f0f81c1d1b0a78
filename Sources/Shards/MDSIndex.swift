import DomainForgeCore

/// One shard entry of `index.json`.
public struct MDSShardInfo: Sendable, Equatable {
    public var columnNames: [String]
    public var columnEncodings: [String]
    public var compression: String?
    public var sizeLimit: Int
    public var samples: Int
    public var rawBasename: String
    public var rawBytes: Int
    public var rawSHA256: String
    public var zipBasename: String?
    public var zipBytes: Int
    public var zipSHA256: String?
    /// Hashes of the stored file other than sha256 that `index.json` records (algorithm → hex), as MosaicML's
    /// writer may list (`sha1`, `xxh64`, ...); read only, never written.
    public var otherHashes: [String: String] = [:]

    /// The file on disk (the compressed one when compressed).
    public var fileBasename: String { zipBasename ?? rawBasename }

    func json() -> JSONValue {
        var o: [String: JSONValue] = [
            "column_encodings": .array(columnEncodings.map { .string($0) }),
            "column_names": .array(columnNames.map { .string($0) }),
            "column_sizes": .array(columnNames.map { _ in .null }),
            "compression": compression.map { .string($0) } ?? .null,
            "format": .string("mds"),
            "hashes": .array([.string("sha256")]),
            "raw_data": .object(["basename": .string(rawBasename), "bytes": .int(Int64(rawBytes)), "hashes": .object(["sha256": .string(rawSHA256)])]),
            "samples": .int(Int64(samples)),
            "size_limit": .int(Int64(sizeLimit)),
            "version": .int(2),
            "zip_data": .null,
        ]
        if let z = zipBasename {
            o["zip_data"] = .object(["basename": .string(z), "bytes": .int(Int64(zipBytes)), "hashes": .object(["sha256": .string(zipSHA256 ?? "")])])
        }
        return .object(o)
    }

    static func from(_ v: JSONValue, file: String, at i: Int) throws -> MDSShardInfo {
        func fail(_ m: String) -> ShardError { ShardError(file: file, message: "shards[\(i)]: \(m)") }
        guard v["format"]?.stringValue == "mds" else { throw fail("format is not \"mds\"") }
        guard let names = v["column_names"]?.arrayValue?.compactMap(\.stringValue),
              let encs = v["column_encodings"]?.arrayValue?.compactMap(\.stringValue), names.count == encs.count else {
            throw fail("column_names/column_encodings missing or of different lengths")
        }
        guard let samples = v["samples"]?.intValue, samples >= 0 else { throw fail("samples missing") }
        guard let raw = v["raw_data"], let rb = raw["basename"]?.stringValue, let rbytes = raw["bytes"]?.intValue else { throw fail("raw_data missing") }
        let zip = v["zip_data"]
        var zb: String?, zbytes = 0, zsha: String?
        if let z = zip, z != .null {
            guard let b = z["basename"]?.stringValue, let n = z["bytes"]?.intValue else { throw fail("zip_data malformed") }
            zb = b; zbytes = n; zsha = z["hashes"]?["sha256"]?.stringValue
        }
        for b in [rb] + (zb.map { [$0] } ?? []) where b.contains("/") || b.hasPrefix(".") {
            throw fail("basename \(b) must be a plain file name")
        }
        var others: [String: String] = [:]
        for (algorithm, h) in (zb != nil ? zip?["hashes"] : raw["hashes"])?.objectValue ?? [:] where algorithm != "sha256" {
            if let hex = h.stringValue { others[algorithm] = hex.lowercased() }
        }
        var info = MDSShardInfo(columnNames: names, columnEncodings: encs, compression: v["compression"]?.stringValue,
                            sizeLimit: v["size_limit"]?.intValue ?? 0, samples: samples, rawBasename: rb, rawBytes: rbytes,
                            rawSHA256: raw["hashes"]?["sha256"]?.stringValue ?? "", zipBasename: zb, zipBytes: zbytes, zipSHA256: zsha)
        info.otherHashes = others
        return info
    }
}

/// `index.json` of an MDS dataset folder.
public struct MDSIndex: Sendable, Equatable {
    public var shards: [MDSShardInfo]
    public init(shards: [MDSShardInfo]) { self.shards = shards }

    /// Serialized with sorted keys (deterministic bytes).
    public func serialized() -> [UInt8] {
        var out = [UInt8]()
        JSONWriter.write(.object(["shards": .array(shards.map { $0.json() }), "version": .int(2)]), into: &out)
        out.append(0x0A)
        return out
    }

    /// Reads and checks `DIR/index.json`.
    public static func load(directory: String) throws -> (MDSIndex, [UInt8]) {
        let path = directory + "/" + MDSFormat.indexName
        guard let bytes = readFile(path) else { throw ShardError(file: path, message: "missing or unreadable; is this a shard folder?") }
        let v: JSONValue
        do { v = try JSONParser.parse(bytes: bytes) } catch { throw ShardError(file: path, message: "not valid JSON: \(error)") }
        guard v["version"]?.intValue == 2, let arr = v["shards"]?.arrayValue else {
            throw ShardError(file: path, message: "not an MDS version 2 index (needs \"version\": 2 and \"shards\")")
        }
        return (MDSIndex(shards: try arr.enumerated().map { try MDSShardInfo.from($1, file: path, at: $0) }), bytes)
    }
}

/// Reads a whole file's stored bytes (never decompressed, unlike `readWholeFile`: shard hashes cover the
/// compressed file), or nil.
func readFile(_ path: String) -> [UInt8]? {
    guard let src = try? FileByteSource(path: path, displayName: path) else { return nil }
    var out = [UInt8]()
    do { while try src.read(into: &out, count: 1 << 22) > 0 {} } catch { return nil }
    return out
}
