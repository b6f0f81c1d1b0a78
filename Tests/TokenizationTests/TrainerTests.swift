import Testing
import Foundation
import DomainForgeCore
@testable import Tokenization

@Suite struct TrainerTests {
    static func syntheticCorpus() -> String {
        var g = FuzzText(seed: 11)
        let words = ["the", "patient", "was", "given", "mg", "of", "metformin", "insulin", "glucose", "hypertension",
                     "don't", "it's", "We'll", "250", "3.14", "(see", "ref.)", "Ärzte", "prüfen", "患者", "治疗", "—", "\"quoted\""]
        var s = ""
        for _ in 0..<3000 {
            let n = Int(g.next() % 12) + 2
            s += (0..<n).map { _ in g.pick(words) }.joined(separator: g.pick([" ", " ", "  ", "\t"]))
            s += g.pick(["\n", "\n\n", " \n", "\r\n", ".\n"])
        }
        return s
    }

    /// Trains with HF on `file` and with us; expects identical vocab and merges.
    func expectTrainingParity(file: String, vocab: Int, minFreq: Int, pattern: SplitPattern, specials: [String],
                              normalization: Normalization = .none) throws {
        let trainer = BPETrainer(options: BPETrainerOptions(vocabSize: vocab, minFrequency: minFreq, specialTokens: specials,
                                                             pattern: pattern, normalization: normalization, threads: 2))
        try trainer.feedFile(path: file)
        let ours = try trainer.train()
        #expect(ours.vocabSize <= vocab)
        let dir = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hfPath = dir.appendingPathComponent("hf.json").path
        let (st, log) = TestEnv.runPython([TestEnv.fixtures.appendingPathComponent("hf_reference.py").path, "train", file, hfPath,
                                           String(vocab), String(minFreq), pattern.rawValue + (normalization == .nfkc ? "+nfkc" : "")] + specials)
        #expect(st == 0, "\(log)")
        let hf = try BPETokenizer.load(path: hfPath)
        #expect(hf.vocabSize == ours.vocabSize)
        #expect(hf.mergeCount == ours.mergeCount)
        var firstBad = -1
        for id in 0..<min(hf.vocabSize, ours.vocabSize) where hf.token(for: UInt32(id)) != ours.token(for: UInt32(id)) { firstBad = id; break }
        #expect(firstBad < 0, "first differing id \(firstBad): hf \(hf.token(for: UInt32(max(firstBad, 0))) ?? "-") ours \(ours.token(for: UInt32(max(firstBad, 0))) ?? "-")")
        #expect(hf.model.mergeList.elementsEqual(ours.model.mergeList, by: { $0 == $1 }))
        #expect(hf.fingerprint == ours.fingerprint)
        // The file we write loads in HF and encodes like us.
        let oursPath = dir.appendingPathComponent("ours.json").path
        try ours.save(path: oursPath)
        let texts = String(decoding: FileManager.default.contents(atPath: file)!.prefix(200_000), as: UTF8.self)
            .split(separator: "\n").prefix(400).map { String($0) + "\n" }
        try expectParity(ours, oursPath, texts + ParityTests.fuzzTexts(seed: 21, count: 300), label: "trained \(pattern)")
    }

    @Test(.enabled(if: TestEnv.hasHFTokenizers, "needs Python with the tokenizers package (pip install tokenizers)")) func syntheticCorpusParityGPT2() throws {
        let dir = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("corpus.txt")
        try Self.syntheticCorpus().write(to: f, atomically: true, encoding: .utf8)
        try expectTrainingParity(file: f.path, vocab: 600, minFreq: 2, pattern: .gpt2, specials: ["<|endoftext|>", "<pad>"])
    }

    @Test(.enabled(if: TestEnv.hasHFTokenizers, "needs Python with the tokenizers package (pip install tokenizers)")) func syntheticCorpusParityCL100K() throws {
        let dir = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("corpus.txt")
        try Self.syntheticCorpus().write(to: f, atomically: true, encoding: .utf8)
        try expectTrainingParity(file: f.path, vocab: 700, minFreq: 1, pattern: .cl100k, specials: ["<|endoftext|>"])
    }

    @Test(.enabled(if: TestEnv.hasHFTokenizers, "needs Python with the tokenizers package (pip install tokenizers)")) func nfkcNormalizedTrainingParity() throws {
        let dir = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("corpus.txt")
        var text = Self.syntheticCorpus()
        text += String(repeating: "ﬁnancial ｆｕｌｌｗｉｄｔｈ ①② Å café ㎏ x²\n", count: 50)
        try text.write(to: f, atomically: true, encoding: .utf8)
        try expectTrainingParity(file: f.path, vocab: 600, minFreq: 2, pattern: .gpt2, specials: ["<|endoftext|>"], normalization: .nfkc)
    }

    /// The tokenizer HF trains on (a sample of) the Gutenberg books.
    @Test(.enabled(if: TestEnv.hasHFTokenizers, "needs Python with the tokenizers package (pip install tokenizers)"), .enabled(if: TestEnv.data("plain-text/gutenberg-gitenberg") != nil, TestEnv.needsSharedData))
    func gutenbergSampleParity() throws {
        let docs = TestEnv.sampleDocs("plain-text/gutenberg-gitenberg", maxBytes: 1_500_000)
        #expect(!docs.isEmpty)
        let dir = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("gutenberg.txt")
        try docs.joined().write(to: f, atomically: true, encoding: .utf8)
        try expectTrainingParity(file: f.path, vocab: 3000, minFreq: 2, pattern: .gpt2, specials: ["<|endoftext|>"])
    }

    @Test func deterministicAndRespectsOptions() throws {
        func train() throws -> BPETokenizer {
            let t = BPETrainer(options: BPETrainerOptions(vocabSize: 400, minFrequency: 3, specialTokens: ["<s>", "</s>"]))
            t.feed(documents: Self.syntheticCorpus().split(separator: "\n").enumerated().map { Document(id: "\($0.offset)", text: String($0.element), source: "synthetic") })
            return try t.train()
        }
        let a = try train(), b = try train()
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.vocabSize <= 400 && a.mergeCount > 50)
        #expect(a.specialTokenId("<s>") == 0 && a.specialTokenId("</s>") == 1)
        #expect(a.token(for: 2) == "!")   // alphabet in code point order after the specials
        let s = "the patient was given 250 mg"
        #expect(a.decode(a.encode(s)) == s)
        #expect(throws: TokenizerError.self) { try BPETrainer(options: BPETrainerOptions(vocabSize: 100)).train() }
    }
}
