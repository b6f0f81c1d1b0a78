import TestSupport
import DomainForgeCore
import Foundation
@testable import Shards
import Testing

/// The shared temporary folder (TestSupport).
typealias TmpDir = TempDir

func sampleSet(_ n: Int, vocab: UInt32 = 1000, mask: Bool = false) -> [ShardSample] {
    (0..<n).map { i in
        let len = 1 + (i * 37) % 300
        let toks = (0..<len).map { UInt32(($0 * 31 + i * 7) % Int(vocab)) }
        return ShardSample(id: "doc-\(i)", source: i % 3 == 0 ? "general" : "domain", tokens: toks,
                           lossMask: mask ? (0..<len).map { UInt8(($0 + i) % 2) } : nil)
    }
}

/// Writes samples with a manifest, as the pipeline does.
@discardableResult
func writeDataset(_ dir: String, _ samples: [ShardSample], sizeLimit: Int = 1 << 14, dtype: TokenDType = .uint16,
                  mask: Bool = false, vocab: Int = 1000, level: Int32? = 3) throws -> MDSIndex {
    try ShardFixtures.write(dir, samples, sizeLimit: sizeLimit, dtype: dtype, mask: mask, vocab: vocab, level: level)
}

/// Byte positions to flip in a file of `count` bytes: all of them when `wholeFile`, else the first `header` bytes
/// and `body` distinct positions after them drawn from `seed` (deterministic).
func flipPositions(count: Int, wholeFile: Bool, header: Int, body: Int, seed: UInt64) -> [Int] {
    if wholeFile || count <= header + body { return Array(0..<count) }
    var picked = Set<Int>()
    var k: UInt64 = 0
    while picked.count < body {
        picked.insert(header + CounterRandom.below(count - header, seed: seed, stream: 99, counter: k))
        k += 1
    }
    return Array(0..<header) + picked.sorted()
}

/// XORs the byte at `offset` of `path` with `mask` in place (a second call undoes it): no rewrite of the file.
func flipByte(_ path: String, at offset: Int, mask: UInt8) throws {
    let h = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? h.close() }
    try h.seek(toOffset: UInt64(offset))
    let b = try #require(try h.read(upToCount: 1)?.first)
    try h.seek(toOffset: UInt64(offset))
    try h.write(contentsOf: Data([b ^ mask]))
}

func readAll(_ dir: String) throws -> [ShardSample] { try ShardFixtures.readAll(dir) }

@Suite struct ShardWriterReaderTests {
    @Test func roundTripSplitsShardsBySizeLimit() throws {
        let d = TmpDir()
        let samples = sampleSet(200)
        let index = try writeDataset(d.path, samples)
        #expect(index.shards.count > 3)
        #expect(index.shards.allSatisfy { $0.rawBytes <= 1 << 14 })
        #expect(index.shards.map(\.fileBasename).first == "shard.00000.mds.zstd")
        #expect(try readAll(d.path) == samples)
        #expect(ShardVerifier.verify(directory: d.path).ok)
    }

    @Test func uint32TokensAndLossMaskRoundTrip() throws {
        let d = TmpDir()
        let samples = sampleSet(50, vocab: 100_000, mask: true)
        try writeDataset(d.path, samples, dtype: .uint32, mask: true, vocab: 100_000)
        #expect(try readAll(d.path) == samples)
        let r = try ShardReader(directory: d.path)
        #expect(r.dtype == .uint32 && r.hasLossMask)
        #expect(r.index.shards[0].columnNames == ["id", "loss_mask", "source", "tokens"])
    }

    @Test func uncompressedShardsAlsoWork() throws {
        let d = TmpDir()
        let samples = sampleSet(30)
        let idx = try writeDataset(d.path, samples, level: nil)
        #expect(idx.shards[0].fileBasename == "shard.00000.mds")
        #expect(try readAll(d.path) == samples)
    }

    @Test func writerRefusesBadSamples() throws {
        let d = TmpDir()
        let w = try MDSShardWriter(directory: d.path)
        #expect(throws: ShardError.self) { try w.write(ShardSample(id: "e", source: "s", tokens: [])) }
        #expect(throws: ShardError.self) { try w.write(ShardSample(id: "big", source: "s", tokens: [70_000])) }
    }

    @Test func sameInputSameBytes() throws {
        let a = TmpDir(), b = TmpDir()
        try writeDataset(a.path, sampleSet(100))
        try writeDataset(b.path, sampleSet(100))
        for f in try FileManager.default.contentsOfDirectory(atPath: a.path) {
            #expect(FileManager.default.contents(atPath: a.path + "/" + f) == FileManager.default.contents(atPath: b.path + "/" + f))
        }
    }
}

@Suite struct ShardCorruptionTests {
    /// Every byte of index.json, manifest.json and of each shard file's first 64 bytes (zstd frame header, or the
    /// sample count and offsets), plus 200 seeded body positions per shard file: each flip is caught and named.
    @Test func everyFlippedHeaderByteAndSeededBodyBytesAreCaught() throws {
        let d = TmpDir()
        try writeDataset(d.path, sampleSet(12), sizeLimit: 1024)
        let files = try FileManager.default.contentsOfDirectory(atPath: d.path).sorted()
        #expect(files.count >= 4)
        var checked = 0
        for (k, f) in files.enumerated() {
            let path = d.path + "/" + f
            let orig = FileManager.default.contents(atPath: path)!
            for i in flipPositions(count: orig.count, wholeFile: f.hasSuffix(".json"), header: 64, body: 200, seed: UInt64(k)) {
                try flipByte(path, at: i, mask: 0x01 << UInt8(i % 8))
                let r = ShardVerifier.verify(directory: d.path)
                #expect(!r.ok, "flip at \(f)[\(i)] not caught")
                if !r.ok { #expect(r.problems.contains { $0.file.hasSuffix(f) } || f == "index.json" || f == "manifest.json") }
                try flipByte(path, at: i, mask: 0x01 << UInt8(i % 8))
                checked += 1
            }
            #expect(FileManager.default.contents(atPath: path) == orig)
        }
        #expect(checked > 1000)
        #expect(ShardVerifier.verify(directory: d.path).ok)
    }

    @Test func truncatedShardIsNamed() throws {
        let d = TmpDir()
        try writeDataset(d.path, sampleSet(40), sizeLimit: 2048)
        let p = d.path + "/shard.00001.mds.zstd"
        let data = FileManager.default.contents(atPath: p)!
        FileManager.default.createFile(atPath: p, contents: data.prefix(data.count / 2))
        #expect { try readAll(d.path) } throws: { e in "\(e)".contains("shard.00001.mds.zstd") && "\(e)".contains("truncated") }
    }

    @Test func wrongMagicIsNamed() throws {
        let d = TmpDir()
        try writeDataset(d.path, sampleSet(40), sizeLimit: 2048)
        let p = d.path + "/shard.00000.mds.zstd"
        var data = FileManager.default.contents(atPath: p)!
        data[0] = 0x00
        FileManager.default.createFile(atPath: p, contents: data)
        // The size is unchanged, so opening succeeds; reading names the file.
        #expect { try readAll(d.path) } throws: { e in "\(e)".contains("shard.00000.mds.zstd") }
        #expect(ShardVerifier.verify(directory: d.path).problems.first?.file.hasSuffix("shard.00000.mds.zstd") == true)
    }

    @Test func indexThatLiesAboutSizesOrSamples() throws {
        let d = TmpDir()
        try writeDataset(d.path, sampleSet(40), sizeLimit: 2048)
        let ip = d.path + "/index.json"
        let orig = String(decoding: FileManager.default.contents(atPath: ip)!, as: UTF8.self)
        let v = try JSONParser.parse(orig)
        var shards = v["shards"]!.arrayValue!
        var s0 = shards[0].objectValue!
        var zip = s0["zip_data"]!.objectValue!
        zip["bytes"] = .int(Int64(zip["bytes"]!.intValue! + 10))
        s0["zip_data"] = .object(zip)
        shards[0] = .object(s0)
        FileManager.default.createFile(atPath: ip, contents: Data(JSONValue.object(["shards": .array(shards), "version": .int(2)]).serialized().utf8))
        // With the manifest, the index no longer matches it; without, the size check names the shard.
        #expect { try ShardReader(directory: d.path) } throws: { e in "\(e)".contains("index.json") }
        try FileManager.default.removeItem(atPath: d.path + "/manifest.json")
        #expect { try ShardReader(directory: d.path) } throws: { e in "\(e)".contains("shard.00000.mds.zstd") && "\(e)".contains("index.json says") }
        // Lying about the sample count is caught when reading.
        var s1 = v["shards"]!.arrayValue!
        var o1 = s1[1].objectValue!
        o1["samples"] = .int(Int64(o1["samples"]!.intValue! + 1))
        s1[1] = .object(o1)
        FileManager.default.createFile(atPath: ip, contents: Data(JSONValue.object(["shards": .array(s1), "version": .int(2)]).serialized().utf8))
        #expect { try readAll(d.path) } throws: { e in "\(e)".contains("shard.00001.mds.zstd") && "\(e)".contains("samples") }
    }

    @Test func missingShardFileIsNamed() throws {
        let d = TmpDir()
        try writeDataset(d.path, sampleSet(40), sizeLimit: 2048)
        try FileManager.default.removeItem(atPath: d.path + "/shard.00002.mds.zstd")
        #expect { try ShardReader(directory: d.path) } throws: { e in "\(e)".contains("shard.00002.mds.zstd") && "\(e)".contains("missing") }
        #expect(ShardVerifier.verify(directory: d.path).problems.count == 1)
    }

    @Test func notAShardFolder() throws {
        let d = TmpDir()
        #expect { try ShardReader(directory: d.path) } throws: { e in "\(e)".contains("index.json") }
    }
}

@Suite struct ShardExportTests {
    @Test func megatronLayoutIsExact() throws {
        let d = TmpDir()
        let samples = sampleSet(20)
        try writeDataset(d.path, samples)
        let out = d.path + "/export/mega"
        try FileManager.default.createDirectory(atPath: d.path + "/export", withIntermediateDirectories: true)
        #expect(try ShardExporter.export(directory: d.path, format: .megatron, out: out) == 20)
        let idx = [UInt8](FileManager.default.contents(atPath: out + ".idx")!)
        let bin = [UInt8](FileManager.default.contents(atPath: out + ".bin")!)
        #expect(Array(idx[0..<9]) == Array("MMIDIDX".utf8) + [0, 0])
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(idx[at + $1]) << (8 * $1) } }
        func i32(_ at: Int) -> Int { Int(Int32(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(idx[at + $1]) << (8 * UInt32($1)) })) }
        #expect(u64(9) == 1)
        #expect(idx[17] == 8)  // uint16
        #expect(u64(18) == 20 && u64(26) == 21)
        #expect(idx.count == 34 + 20 * 4 + 20 * 8 + 21 * 8)
        let total = samples.reduce(0) { $0 + $1.tokens.count }
        #expect(bin.count == total * 2)
        #expect((0..<20).map { i32(34 + 4 * $0) } == samples.map(\.tokens.count))
        // Pointers are byte offsets; the last doc index is the sequence count.
        let p = 34 + 80
        #expect(u64(p + 8 * 19) == 2 * samples.dropLast().reduce(0) { $0 + $1.tokens.count })
        #expect(u64(p + 160 + 8 * 20) == 20)
        #expect(Int(bin[0]) | Int(bin[1]) << 8 == Int(samples[0].tokens[0]))
    }

    @Test func nanoGPTAndJSONL() throws {
        let d = TmpDir()
        let samples = sampleSet(5)
        try writeDataset(d.path, samples)
        try ShardExporter.export(directory: d.path, format: .nanogpt, out: d.path + "/n.bin")
        let n = [UInt8](FileManager.default.contents(atPath: d.path + "/n.bin")!)
        #expect(n.count == 2 * samples.reduce(0) { $0 + $1.tokens.count })
        try ShardExporter.export(directory: d.path, format: .jsonl, out: d.path + "/x.jsonl")
        let lines = String(decoding: FileManager.default.contents(atPath: d.path + "/x.jsonl")!, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[0] == Substring("{\"id\":\"doc-0\",\"ids\":[0]}"))
    }

    @Test(.enabled(if: pythonHas("numpy"), "needs Python with numpy (pip install numpy)"))
    func megatronReadableByNumpy() throws {
        let d = TmpDir()
        let samples = sampleSet(30)
        try writeDataset(d.path, samples)
        try ShardExporter.export(directory: d.path, format: .megatron, out: d.path + "/m")
        // The documented layout, read with numpy as megatron-core's _IndexReader does.
        let script = """
            import numpy as np, sys, struct
            p = sys.argv[1]
            b = open(p + '.idx', 'rb').read()
            assert b[:9] == b'MMIDIDX\\x00\\x00'
            ver, = struct.unpack('<Q', b[9:17]); code = b[17]
            n, d = struct.unpack('<QQ', b[18:34])
            dt = {8: np.uint16, 4: np.int32}[code]
            lengths = np.frombuffer(b, np.int32, n, 34)
            ptrs = np.frombuffer(b, np.int64, n, 34 + 4 * n)
            docs = np.frombuffer(b, np.int64, d, 34 + 12 * n)
            data = np.memmap(p + '.bin', dtype=dt, mode='r')
            out = [data[ptrs[i] // np.dtype(dt).itemsize: ptrs[i] // np.dtype(dt).itemsize + lengths[i]].tolist() for i in range(n)]
            assert ver == 1 and list(docs) == list(range(n + 1))
            print(sum(len(x) for x in out), out[3][:5])
            """
        let out = try runPython(script, [d.path + "/m"])
        let total = samples.reduce(0) { $0 + $1.tokens.count }
        #expect(out.hasPrefix("\(total) \(Array(samples[3].tokens.prefix(5)).map(Int.init))"))
    }
}

@Suite struct SampleStreamTests {
    func dataset(_ n: Int = 100) throws -> (TmpDir, ShardReader) {
        let d = TmpDir()
        try writeDataset(d.path, sampleSet(n))
        return (d, try ShardReader(directory: d.path))
    }

    @Test func shuffledEpochVisitsEverySampleOnceAndIsDeterministic() throws {
        let (d, r) = try dataset()
        _ = d
        let a = try SampleStream(reader: r, seed: 42, shuffleBuffer: 16)
        let b = try SampleStream(reader: r, seed: 42, shuffleBuffer: 16)
        let c = try SampleStream(reader: r, seed: 43, shuffleBuffer: 16)
        let ea = try (0..<100).map { _ in try a.next().id }
        #expect(Set(ea).count == 100)
        #expect(ea == (try (0..<100).map { _ in try b.next().id }))
        #expect(ea != (try (0..<100).map { _ in try c.next().id }))
        #expect(ea != (0..<100).map { "doc-\($0)" })
        #expect(try a.next().id != nil)
        #expect(a.position == SamplePosition(epoch: 1, consumed: 1))
    }

    @Test func resumeFromSavedPositionIsExact() throws {
        let (d, r) = try dataset()
        _ = d
        let full = try SampleStream(reader: r, seed: 7, shuffleBuffer: 8)
        let ids = try (0..<250).map { _ in try full.next().id }
        let first = try SampleStream(reader: r, seed: 7, shuffleBuffer: 8)
        for _ in 0..<137 { _ = try first.next() }
        let resumed = try SampleStream(reader: r, seed: 7, shuffleBuffer: 8, at: first.position)
        #expect(try (137..<250).map { _ in try resumed.next().id } == Array(ids[137...]))
    }

    @Test func packerMakesOverlappingWindowsAndResumesExactly() throws {
        let (d, r) = try dataset(20)
        _ = d
        let p = try WindowPacker(stream: try SampleStream(reader: r, seed: 1), length: 64)
        var windows = [TokenWindow]()
        for _ in 0..<40 { windows.append(try p.next()) }
        #expect(windows.allSatisfy { $0.tokens.count == 65 && $0.lossMask.count == 64 })
        for k in 1..<40 { #expect(windows[k].tokens[0] == windows[k - 1].tokens[64]) }
        // Concatenated stream equals the samples' tokens in order.
        let flat = sampleSet(20).flatMap(\.tokens)
        #expect(Array(windows[0].tokens) == Array(flat[0..<65]))
        #expect(Array(windows[1].tokens) == Array(flat[64..<129]))
        // Save after 13 windows, resume, compare.
        let q = try WindowPacker(stream: try SampleStream(reader: r, seed: 1), length: 64)
        for _ in 0..<13 { _ = try q.next() }
        let pos = q.position
        let q2 = try WindowPacker(stream: try SampleStream(reader: r, seed: 1, at: pos.sample), length: 64, at: pos)
        for k in 13..<40 { #expect(try q2.next() == windows[k]) }
    }

    @Test func mixerHitsWeightsAndResumes() throws {
        let (d1, r1) = try dataset(50)
        let (d2, r2) = try dataset(30)
        _ = (d1, d2)
        func make(draws: UInt64 = 0) throws -> WeightedMixer {
            try WeightedMixer(sources: [("domain", 0.8, try WindowPacker(stream: try SampleStream(reader: r1, seed: 3, shuffleBuffer: 4), length: 32)),
                                        ("general", 0.2, try WindowPacker(stream: try SampleStream(reader: r2, seed: 4, shuffleBuffer: 4), length: 32))],
                                seed: 11, draws: draws)
        }
        let m = try make()
        var counts = [0, 0]
        for _ in 0..<5000 { counts[try m.next().source] += 1 }
        #expect(abs(Double(counts[0]) / 5000 - 0.8) < 0.02)
        #expect(m.choice(123) == (try make()).choice(123))
        #expect(throws: ShardError.self) { try WeightedMixer(sources: [], seed: 1) }
    }
}

func pythonHas(_ module: String) -> Bool {
    (try? runPython("import \(module)", [])) != nil
}

func runPython(_ script: String, _ args: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script] + args
    let o = Pipe()
    p.standardOutput = o
    p.standardError = FileHandle.nullDevice
    try p.run()
    let d = o.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw ShardError(file: "python", message: "exit \(p.terminationStatus)") }
    return String(decoding: d, as: UTF8.self)
}

/// The real reader: mosaicml-streaming's StreamingDataset reads our shards (with sha256 validation) and yields the
/// same tokens. Needs torch, so it is not installed by CI; point DOMAINFORGE_PYTHON at an interpreter that has
/// `streaming` to run it (skips cleanly otherwise).
@Suite struct MosaicStreamingCompatTests {
    static var python: String { ProcessInfo.processInfo.environment["DOMAINFORGE_PYTHON"] ?? "python3" }

    @Test(.enabled(if: pythonHas("streaming", python: MosaicStreamingCompatTests.python), "mosaicml-streaming not installed"))
    func streamingDatasetReadsOurShards() throws {
        for (dtype, vocab, mask) in [(TokenDType.uint16, 1000, false), (.uint32, 100_000, true)] {
            let d = TmpDir()
            let samples = sampleSet(60, vocab: UInt32(vocab), mask: mask)
            try writeDataset(d.path, samples, sizeLimit: 4096, dtype: dtype, mask: mask, vocab: vocab)
            try ShardExporter.export(directory: d.path, format: .jsonl, out: d.path + ".expected.jsonl")
            defer { try? FileManager.default.removeItem(atPath: d.path + ".expected.jsonl") }
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("scripts/compat/check_mds_streaming.py").path
            let out = try runPythonFile(script, [d.path, d.path + ".expected.jsonl"], python: Self.python)
            #expect(out.hasPrefix("ok 60 \(dtype.rawValue)"))
        }
    }
}

func pythonHas(_ module: String, python: String) -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [python, "-c", "import \(module)"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}

func runPythonFile(_ script: String, _ args: [String], python: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [python, script] + args
    let o = Pipe(), e = Pipe()
    p.standardOutput = o
    p.standardError = e
    try p.run()
    let d = o.fileHandleForReading.readDataToEndOfFile()
    let ed = e.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw ShardError(file: script, message: "exit \(p.terminationStatus): \(String(decoding: ed.suffix(2000), as: UTF8.self))")
    }
    return String(decoding: d, as: UTF8.self)
}
