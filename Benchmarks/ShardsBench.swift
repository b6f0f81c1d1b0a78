import DomainForgeCore
import Foundation
import Shards
import Tokenization

/// `bench shards [--mb 57] [--text DIR] [--tokenizer FILE] [--work DIR]`
///
/// Tokenizes real text (GPT-2 tokenizer from ../shared/data when present) until `--mb` MB of uint16 tokens, then:
/// shard writing MB/s (token bytes in / second) beside `zstd -3` on the same raw token bytes; sequential and
/// shuffled reader throughput in tokens/s; peak RSS of reading datasets with few and with many shards.
func runShardsBench(_ args: [String]) throws {
    var mb = 57
    var textDir = "../shared/data/plain-text"
    var tokPath = "../shared/data/tokenizers/openai-whisper-20230124-gpt2"
    var work = NSTemporaryDirectory() + "/df-bench-shards"
    var i = 0
    while i < args.count {
        switch args[i] {
        case "--mb": mb = Int(args[i + 1]) ?? mb; i += 1
        case "--text": textDir = args[i + 1]; i += 1
        case "--tokenizer": tokPath = args[i + 1]; i += 1
        case "--work": work = args[i + 1]; i += 1
        case "--read-only":  // child mode: read a dataset, print tokens
            let r = try ShardReader(directory: args[i + 1])
            var n = 0
            try r.forEach { n += $0.tokens.count; return true }
            print(n)
            return
        default: throw BenchError("unknown option \(args[i])")
        }
        i += 1
    }
    guard FileManager.default.fileExists(atPath: textDir) else { print("skip: \(textDir) not found"); return }
    let tok: BPETokenizer
    if tokPath.hasSuffix(".json") { tok = try BPETokenizer.load(path: tokPath) }
    else { tok = try BPETokenizer.load(vocabPath: tokPath + "/vocab.json", mergesPath: tokPath + "/merges.txt") }
    let eos = tok.tokenId("<|endoftext|>") ?? 0
    try? FileManager.default.removeItem(atPath: work)
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    // 1. Token documents from real text, cycled until the size is reached.
    let docs = try sampleDocuments(textDir)
    var base = [[UInt32]]()
    let t0 = Date()
    for d in docs { var ids = tok.encode(d); ids.append(eos); base.append(ids) }
    print(String(format: "tokenized %d documents (%d tokens) in %.1f s", base.count, base.reduce(0) { $0 + $1.count }, Date().timeIntervalSince(t0)))
    var samples = [ShardSample]()
    var tokens = 0
    while tokens * 2 < mb * 1_000_000 {
        let ids = base[samples.count % base.count]
        samples.append(ShardSample(id: "doc-\(samples.count)", source: samples.count % 5 == 0 ? "general" : "domain", tokens: ids))
        tokens += ids.count
    }
    let tokenBytes = tokens * 2
    print("dataset: \(samples.count) samples, \(tokens) tokens, \(String(format: "%.1f", Double(tokenBytes) / 1e6)) MB as uint16")
    // 2. zstd -3 on the raw uint16 tokens.
    var raw = [UInt8]()
    raw.reserveCapacity(tokenBytes)
    for s in samples { for t in s.tokens { raw.append(UInt8(t & 0xFF)); raw.append(UInt8(t >> 8)) } }
    let rawPath = work + "/tokens.u16"
    FileManager.default.createFile(atPath: rawPath, contents: Data(raw))
    raw = []
    // Best of 3, timed by the shell to the millisecond (the time tool's wall clock has only 10 ms resolution).
    var zsecs = Double.infinity
    for _ in 0..<3 { zsecs = min(zsecs, try shellSeconds("zstd -3 -q -f -T1 '\(rawPath)' -o '\(rawPath).zst'")) }
    let zsize = (try? FileManager.default.attributesOfItem(atPath: rawPath + ".zst")[.size] as? Int) ?? 0
    print(String(format: "zstd -3 CLI (1 thread): %.2f s  %.1f MB/s  ratio %.2f", zsecs, Double(tokenBytes) / 1e6 / zsecs, Double(tokenBytes) / Double(max(1, zsize))))
    // 3. Our writer, default 64 MiB shards and small 4 MiB shards.
    for (label, limit) in [("64 MiB shards", 1 << 26), ("4 MiB shards", 1 << 22)] {
        let dir = work + "/mds-\(limit)"
        var o = MDSShardWriter.Options()
        o.sizeLimit = limit
        let t = Date()
        let w = try MDSShardWriter(directory: dir, options: o)
        for s in samples { try w.write(s) }
        let tw = Date().timeIntervalSince(t)
        let idx = try w.finish()
        let secs = Date().timeIntervalSince(t)
        print(String(format: "  (encoding and handing off: %.3f s, waiting for the last shard: %.3f s)", tw, secs - tw))
        let stored = idx.shards.reduce(0) { $0 + $1.zipBytes }
        print(String(format: "MDSShardWriter, %@: %d shards  %.2f s  %.1f MB/s  (%.0f%% of zstd -3)  ratio %.2f", label, idx.shards.count, secs,
                     Double(tokenBytes) / 1e6 / secs, 100 * zsecs / secs, Double(tokenBytes) / Double(max(1, stored))))
        try ShardManifest(writerShards: w.shards, shardTokens: w.shardTokens, stats: w.stats, index: idx.serialized(),
                          tokenizer: .init(fingerprint: tok.fingerprint, vocabSize: tok.vocabSize, eosID: eos), configHash: "bench", dtype: .uint16, lossMask: false)
            .write(directory: dir)
    }
    // 4. Reader throughput.
    let reader = try ShardReader(directory: work + "/mds-\(1 << 26)")
    var t = Date()
    var n = 0
    try reader.forEach { n += $0.tokens.count; return true }
    var secs = Date().timeIntervalSince(t)
    print(String(format: "reader, sequential: %.2f s  %.1f M tokens/s", secs, Double(n) / 1e6 / secs))
    let stream = try SampleStream(reader: reader, seed: 1, shuffleBuffer: 10_000)
    t = Date()
    n = 0
    for _ in 0..<samples.count { n += try stream.next().tokens.count }
    secs = Date().timeIntervalSince(t)
    print(String(format: "reader, shuffled (buffer 10,000): %.2f s  %.1f M tokens/s", secs, Double(n) / 1e6 / secs))
    let packer = try WindowPacker(stream: try SampleStream(reader: reader, seed: 1, shuffleBuffer: 1000), length: 1024)
    t = Date()
    var windows = 0
    while windows * 1024 < tokens { _ = try packer.next(); windows += 1 }
    secs = Date().timeIntervalSince(t)
    print(String(format: "packer, 1024-token windows: %d windows  %.1f M tokens/s", windows, Double(windows * 1024) / 1e6 / secs))
    // 5. Peak RSS of a reading process, few vs many shards.
    let me = CommandLine.arguments[0]
    for limit in [1 << 26, 1 << 22] {
        let (s, rss, _) = try timed([me, "shards", "--read-only", work + "/mds-\(limit)"])
        let count = (try? MDSIndex.load(directory: work + "/mds-\(limit)").0.shards.count) ?? 0
        print(String(format: "read in a child process, %d shards: %.2f s, peak RSS %.1f MB", count, s, Double(rss) / 1024))
    }
    try? FileManager.default.removeItem(atPath: work)
}

/// Wall seconds of a shell command as bash's `time` reports them (millisecond resolution).
func shellSeconds(_ command: String) throws -> Double {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = ["-c", "TIMEFORMAT=%3R; time ( \(command) )"]
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0, let v = Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last ?? "") else {
        throw BenchError("\(command) failed")
    }
    return v
}
