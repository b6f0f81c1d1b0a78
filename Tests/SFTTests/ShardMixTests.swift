import TestSupport
import DomainForgeCore
import Foundation
import Shards
import Testing
import Tokenization
@testable import SFT

func readAll(_ dir: String) throws -> [ShardSample] { try ShardFixtures.readAll(dir) }

@Test func sftShardsWithAndWithoutPacking() throws {
    let tok = Fix.byteTokenizer
    let r = try SFTRenderer(template: .chatml, tokenizer: tok)
    let recs = (0..<5).map { i in SFTRecord(id: "r\(i)", source: "s", messages: [SFTMessage(role: "user", content: "q\(i)"), SFTMessage(role: "assistant", content: "answer \(i)")]) }
    let rendered = try recs.map { try r.render($0) }
    let len = rendered[0].tokens.count
    for pack in [nil, len * 2 + 1] as [Int?] {
        let d = Fix.tempDir("shards")
        var o = SFTShardWriter.Options()
        o.packWindow = pack
        let w = try SFTShardWriter(directory: d, tokenizer: tok, configHash: "t", options: o)
        for (rec, x) in zip(recs, rendered) { try w.add(id: rec.id, source: rec.source, rendered: x) }
        let m = try w.finish()
        let samples = try readAll(d)
        #expect(m.lossMask)
        #expect(m.stats.tokens == len * 5)
        if pack == nil {
            #expect(samples.count == 5)
            #expect(samples[0].tokens == rendered[0].tokens)
            #expect(samples[0].lossMask == rendered[0].lossMask)
        } else {
            // Two records per window, never split: 2 + 2 + 1.
            #expect(samples.map(\.id) == ["r0+2", "r2+2", "r4"])
            #expect(samples[0].tokens == rendered[0].tokens + rendered[1].tokens)
            #expect(samples[0].lossMask == rendered[0].lossMask + rendered[1].lossMask)
        }
        #expect(try ShardManifest.load(directory: d) != nil)
    }
}

func writeSFT(_ n: Int, prefix: String, answerWords: Int, in dir: String) -> String {
    var s = ""
    for i in 0..<n {
        let out = (0..<(answerWords + i % 7)).map { "w\($0)" }.joined(separator: " ")
        s += #"{"instruction": "\#(prefix) question \#(i)", "input": "", "output": "\#(out)"}"# + "\n"
    }
    return Fix.write(s, prefix + ".jsonl", in: dir)
}

@Test func sftMixByTokensIsDeterministicAndOnRatio() throws {
    let d = Fix.tempDir("mix")
    let dom = writeSFT(400, prefix: "dom", answerWords: 20, in: d)
    let gen = writeSFT(300, prefix: "gen", answerWords: 10, in: d)
    let yaml = """
        name: t
        seed: 7
        by: tokens
        total: 30000
        tokenizer: \(Fix.path("byte-tokenizer.json"))
        template: chatml
        output: \(d)/out1
        sources:
          - {name: domain, sft: \(dom), ratio: 0.8}
          - {name: general, sft: [\(gen)], ratio: 0.2}
        """
    var spec = try MixSpec.parse(yaml)
    let rep = try Mixer.run(spec)
    #expect(rep.maxDeviation <= 0.005)
    #expect(rep.entries.map(\.name) == ["domain", "general"])
    #expect(abs(Double(rep.total) - 30000) < 300)
    let a = try readAll(d + "/out1")
    #expect(Set(a.map(\.source)) == ["domain", "general"])
    #expect(a.allSatisfy { $0.lossMask != nil })
    let tokensBySource = Dictionary(grouping: a, by: \.source).mapValues { $0.reduce(0) { $0 + $1.tokens.count } }
    #expect(abs(Double(tokensBySource["domain"]!) / Double(rep.total) - 0.8) <= 0.005)
    let report = try JSONParser.parse(bytes: Array(FileManager.default.contents(atPath: d + "/out1/mix_report.json")!))
    #expect(report["sources"]?.arrayValue?.count == 2)
    let jsonl = try String(contentsOfFile: d + "/out1/records.jsonl", encoding: .utf8)
    #expect(jsonl.contains("\"source\":\"general\""))
    // Same seed, same output; another seed, another order.
    spec.output = d + "/out2"
    _ = try Mixer.run(spec)
    #expect(try readAll(d + "/out2") == a)
    spec.output = d + "/out3"
    spec.seed = 8
    _ = try Mixer.run(spec)
    #expect(try readAll(d + "/out3").map(\.id) != a.map(\.id))
}

@Test func mixLimitsAndUpsampling() throws {
    let d = Fix.tempDir("mixcap")
    let dom = writeSFT(50, prefix: "dom", answerWords: 5, in: d)
    let gen = writeSFT(10, prefix: "gen", answerWords: 5, in: d)
    func spec(_ extra: String) throws -> MixSpec {
        try MixSpec.parse("""
            by: records
            \(extra)
            output: \(d)/o
            sources:
              - {name: domain, sft: \(dom), ratio: 0.5}
              - {name: general, sft: \(gen), ratio: 0.5}
            """)
    }
    // Without replacement the small source limits the total: 10 + 10.
    let r0 = try Mixer.run(try spec(""))
    #expect(r0.entries.map(\.records) == [10, 10])
    // Without a total, replacement alone does not upsample.
    #expect(try Mixer.run(try spec("replacement: true\nmax_upsample: 3")).entries.map(\.records) == [10, 10])
    // Asking for more fails and says why.
    #expect(throws: MixError.self) { try Mixer.run(try spec("total: 60")) }
    // With replacement, capped at 3x: 30 + 30.
    let r1 = try Mixer.run(try spec("total: 60\nreplacement: true\nmax_upsample: 3"))
    #expect(r1.entries.map(\.records) == [30, 30])
    #expect(r1.entries[1].upsample == 3)
    #expect(throws: MixError.self) { try Mixer.run(try spec("total: 80\nreplacement: true\nmax_upsample: 3")) }
    #expect(throws: MixError.self) { try MixSpec.parse("output: x\nsources: [{name: a, ratio: 1}]") }
}

@Test func mixCPTShards() throws {
    let d = Fix.tempDir("cpt")
    func shards(_ name: String, _ n: Int, _ len: Int) throws -> String {
        let dir = d + "/" + name
        let w = try MDSShardWriter(directory: dir, options: .init())
        for i in 0..<n { try w.write(ShardSample(id: "\(name)\(i)", source: name, tokens: (0..<(len + i % 5)).map { UInt32($0 % 250) })) }
        let idx = try w.finish()
        try ShardManifest(writerShards: w.shards, shardTokens: w.shardTokens, stats: w.stats, index: idx.serialized(),
                          tokenizer: .init(fingerprint: "fp", vocabSize: 263, eosID: nil), configHash: "c", dtype: .uint16, lossMask: false).write(directory: dir)
        return dir
    }
    let a = try shards("med", 500, 100), b = try shards("web", 500, 50)
    let rep = try Mixer.run(try MixSpec.parse("""
        by: tokens
        total: 20000
        seed: 3
        output: \(d)/out
        sources:
          - {name: domain, shards: \(a), ratio: 0.75}
          - {name: general, shards: [\(b)], ratio: 0.25}
        """))
    // CPT documents may be cut to the exact target: the ratio is exact and the total is as asked.
    #expect(rep.maxDeviation < 1e-9)
    #expect(rep.total == 20000)
    let out = try readAll(d + "/out")
    #expect(out.reduce(0) { $0 + $1.tokens.count } == 20000)
    #expect(out.allSatisfy { $0.lossMask == nil })
    #expect(Set(out.map(\.source)) == ["domain", "general"])
    #expect(try ShardReader(directory: d + "/out").manifest?.tokenizer.fingerprint == "fp")
}

@Test func mixPathsAreRelativeToTheYAML() throws {
    let d = Fix.tempDir("rel")
    let p = Fix.write("output: out\ntemplate: chatml\ntokenizer: tok.json\nsources:\n  - {name: a, sft: data/a.jsonl, ratio: 1}\n  - {name: b, shards: /abs/b, ratio: 1}\n", "m.yaml", in: d)
    let s = try MixSpec.load(path: p)
    #expect(s.output == d + "/out")
    #expect(s.tokenizer == d + "/tok.json")
    #expect(s.template == "chatml")
    #expect(s.sources[0].sftFiles == [d + "/data/a.jsonl"])
    #expect(s.sources[1].shardDirs == ["/abs/b"])
    #expect(s.sources.map(\.ratio) == [1, 1])
    #expect(throws: MixError.self) { try s.normalizedRatios() }
    var n = s
    n.normalize = true
    #expect(try n.normalizedRatios() == [0.5, 0.5])
}

@Test func mixedSFTAndCPTSources() throws {
    let d = Fix.tempDir("mixed")
    let sft = writeSFT(100, prefix: "dom", answerWords: 10, in: d)
    let cptDir = d + "/cpt"
    let w = try MDSShardWriter(directory: cptDir, options: .init())
    for i in 0..<50 { try w.write(ShardSample(id: "c\(i)", source: "c", tokens: (0..<300).map { UInt32(($0 + i) % 250) })) }
    let idx = try w.finish()
    try ShardManifest(writerShards: w.shards, shardTokens: w.shardTokens, stats: w.stats, index: idx.serialized(),
                      tokenizer: .init(fingerprint: Fix.byteTokenizer.fingerprint, vocabSize: 263, eosID: nil), configHash: "c", dtype: .uint16, lossMask: false).write(directory: cptDir)
    let rep = try Mixer.run(try MixSpec.parse("""
        by: tokens
        tokenizer: \(Fix.path("byte-tokenizer.json"))
        output: \(d)/out
        sources:
          - {name: sft, sft: \(sft), ratio: 0.5}
          - {name: text, shards: \(cptDir), ratio: 0.5}
        """))
    #expect(rep.maxDeviation <= 0.005)
    let out = try readAll(d + "/out")
    // SFT samples keep their masks; CPT text is trained everywhere.
    #expect(out.filter { $0.source == "text" }.allSatisfy { $0.lossMask?.allSatisfy { $0 == 1 } == true })
    #expect(out.filter { $0.source == "sft" }.allSatisfy { $0.lossMask?.contains(0) == true })
}

@Test func mixRefusesShardsFromAnotherTokenizer() throws {
    let d = Fix.tempDir("fp")
    func shards(_ name: String, _ fp: String) throws -> String {
        let dir = d + "/" + name
        let w = try MDSShardWriter(directory: dir, options: .init())
        for i in 0..<10 { try w.write(ShardSample(id: "\(i)", source: name, tokens: [1, 2, 3])) }
        let idx = try w.finish()
        try ShardManifest(writerShards: w.shards, shardTokens: w.shardTokens, stats: w.stats, index: idx.serialized(),
                          tokenizer: .init(fingerprint: fp, vocabSize: 263, eosID: nil), configHash: "c", dtype: .uint16, lossMask: false).write(directory: dir)
        return dir
    }
    let a = try shards("a", "fp-one"), b = try shards("b", "fp-two")
    #expect(throws: MixError.self) {
        try Mixer.run(try MixSpec.parse("by: records\noutput: \(d)/o\nsources:\n  - {name: a, shards: \(a), ratio: 1}\n  - {name: b, shards: \(b), ratio: 1}\n"))
    }
}

@Test func firstFitPackingFillsWindows() throws {
    func run(_ open: Int) throws -> [ShardSample] {
        let d = Fix.tempDir("ff")
        var o = SFTShardWriter.Options()
        o.packWindow = 10
        o.openWindows = open
        let w = try SFTShardWriter(directory: d, tokenizer: Fix.byteTokenizer, configHash: "t", options: o)
        for (i, n) in [6, 6, 4, 4, 12].enumerated() {
            try w.add(id: "r\(i)", source: "s", rendered: RenderedSFT(tokens: Array(repeating: UInt32(i), count: n), lossMask: Array(repeating: 1, count: n)))
        }
        try w.finish()
        return try readAll(d)
    }
    // In order: [6] [6 4] [4] [12 alone].
    #expect(try run(1).map(\.tokens.count) == [6, 10, 4, 12])
    // First fit: [6 4] [6 4] [12 alone]; no record is split.
    let ff = try run(8)
    #expect(ff.map(\.tokens.count) == [10, 10, 12])
    #expect(ff.map(\.id) == ["r0+2", "r1+2", "r4"])
    #expect(ff[0].tokens == [0, 0, 0, 0, 0, 0, 2, 2, 2, 2])
}
