import DomainForgeCore
import Foundation
@testable import Shards
import Testing
import TestSupport

/// Readers other than `pipeline verify` check each shard file's sha256 when they open it, and the sample layout.
@Suite struct ShardIntegrityTests {
    /// Replaces `path`'s bytes with `data`.
    func put(_ path: String, _ data: Data) { _ = FileManager.default.createFile(atPath: path, contents: data) }

    /// 40 seeded single-bit flips in a compressed shard: a plain read, export, stats and the training stream each
    /// refuse, naming the shard file (before these checks about a third of such flips decoded to other tokens).
    @Test func flippedBytesInACompressedShardAreRefusedByEveryReader() throws {
        let d = TmpDir()
        try writeDataset(d.path, sampleSet(40), sizeLimit: 4096)
        let name = "shard.00000.mds.zstd"
        let path = d.path + "/" + name
        let orig = FileManager.default.contents(atPath: path)!
        func named(_ e: any Error) -> Bool { "\(e)".contains(name) }
        for i in flipPositions(count: orig.count, wholeFile: false, header: 0, body: 40, seed: 5) {
            try flipByte(path, at: i, mask: 0x01 << UInt8(i % 8))
            defer { try? flipByte(path, at: i, mask: 0x01 << UInt8(i % 8)) }
            #expect(performing: { try readAll(d.path) }, throws: named)
            #expect(performing: { try ShardExporter.export(directory: d.path, format: .jsonl, out: d.path + "/x.jsonl") }, throws: named)
            #expect(performing: { try ShardStatistics.compute(directory: d.path) }, throws: named)
            #expect(performing: {
                let r = try ShardReader(directory: d.path)
                let s = try SampleStream(reader: r, seed: 3, shuffleBuffer: 8)
                for _ in 0..<r.sampleCount { _ = try s.next() }
            }, throws: named)
        }
        #expect(FileManager.default.contents(atPath: path) == orig)
        #expect(try readAll(d.path) == sampleSet(40))
    }

    /// With hash checks off an edited id is read as written (what `--no-verify` allows); with them on it is refused.
    @Test func noVerifySkipsTheHashCheck() throws {
        let d = TmpDir()
        try writeDataset(d.path, sampleSet(10), level: nil)
        let path = d.path + "/shard.00000.mds"
        var data = FileManager.default.contents(atPath: path)!
        let at = try #require(data.range(of: Data("doc-3".utf8)))
        data[at.lowerBound + 2] = UInt8(ascii: "x")
        put(path, data)
        #expect(performing: { try readAll(d.path) }, throws: { "\($0)".contains("shard.00000.mds") && "\($0)".contains("sha256") })
        #expect(performing: { try ShardExporter.export(directory: d.path, format: .jsonl, out: d.path + "/x.jsonl") }, throws: { _ in true })
        var ids: [String] = []
        try ShardReader(directory: d.path, verifyHashes: false).forEach { ids.append($0.id); return true }
        #expect(ids.contains("dox-3") && ids.count == 10)
        #expect(try ShardExporter.export(directory: d.path, format: .jsonl, out: d.path + "/x.jsonl", verifyHashes: false) == 10)
        #expect(try ShardStatistics.compute(directory: d.path, verifyHashes: false).samples == 10)
        #expect(!ShardVerifier.verify(directory: d.path).ok)
    }

    /// Offsets that go backwards, start inside the header or end past the data are refused even without hash
    /// checks, naming the shard file and the sample.
    @Test(arguments: [(2, "sample 2: ends at"), (0, "sample 0: starts at offset 8"), (10, "sample 9: ends at")])
    func badSampleOffsetsNameTheSample(_ entry: Int, _ named: String) throws {
        let d = TmpDir()
        try writeDataset(d.path, sampleSet(10), level: nil)
        let path = d.path + "/shard.00000.mds"
        var data = FileManager.default.contents(atPath: path)!
        func offset(_ k: Int) -> Int { (0..<4).reduce(0) { $0 | Int(data[4 + 4 * k + $1]) << (8 * $1) } }
        // entry 2 is set past entry 3; entry 0 into the header; entry 10 (the end) past the data
        let value = entry == 2 ? offset(3) + 1 : entry == 0 ? 8 : offset(entry) + 4
        for b in 0..<4 { data[4 + 4 * entry + b] = UInt8(truncatingIfNeeded: value >> (8 * b)) }
        put(path, data)
        #expect(performing: { try ShardReader(directory: d.path, verifyHashes: false).forEach { _ in true } },
                throws: { "\($0)".contains("shard.00000.mds") && "\($0)".contains(named) })
    }

    /// An index from another writer that records sha1 (and xxh64) but no sha256: sha1 is checked instead.
    @Test func anotherRecordedHashIsChecked() throws {
        let d = TmpDir()
        put(d.path + "/abc", Data("abc".utf8))
        #expect(FileDigest.hex(fileAt: d.path + "/abc", algorithm: "sha1") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(!FileDigest.isSupported("xxh64") && FileDigest.isSupported("sha3_256") && FileDigest.isSupported("blake2b"))
        try writeDataset(d.path + "/ds", sampleSet(40), sizeLimit: 4096)
        try FileManager.default.removeItem(atPath: d.path + "/ds/manifest.json")
        let ip = d.path + "/ds/index.json"
        let v = try JSONParser.parse(String(decoding: FileManager.default.contents(atPath: ip)!, as: UTF8.self))
        let shards: [JSONValue] = v["shards"]!.arrayValue!.map { entry in
            var o = entry.objectValue!, z = o["zip_data"]!.objectValue!
            let sha1 = FileDigest.hex(fileAt: d.path + "/ds/" + z["basename"]!.stringValue!, algorithm: "sha1")!
            z["hashes"] = .object(["sha1": .string(sha1), "xxh64": .string("0123456789abcdef")])
            o["zip_data"] = .object(z)
            o["hashes"] = .array([.string("sha1"), .string("xxh64")])
            return .object(o)
        }
        put(ip, Data(JSONValue.object(["shards": .array(shards), "version": .int(2)]).serialized().utf8))
        let r = try ShardReader(directory: d.path + "/ds")
        #expect(r.expectedHash(shard: 0)?.algorithm == "sha1")
        #expect(try readAll(d.path + "/ds") == sampleSet(40))
        #expect(ShardVerifier.verify(directory: d.path + "/ds").ok)
        let shard = d.path + "/ds/shard.00000.mds.zstd"
        try flipByte(shard, at: 40, mask: 0x10)
        #expect(performing: { try readAll(d.path + "/ds") }, throws: { "\($0)".contains("shard.00000.mds.zstd") && "\($0)".contains("sha1") })
        #expect(ShardVerifier.verify(directory: d.path + "/ds").problems.map(\.message) == ["sha1 does not match index.json (corrupt shard)"])
    }
}
