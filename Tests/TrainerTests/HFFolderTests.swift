import DomainForgeCore
import Foundation
import SFT
import Testing
import Tokenization
@testable import Trainer
import TestSupport

/// The repository's sample tokenizer (3,113 ids: <|endoftext|> 0, <|im_start|> 1, <|im_end|> 2; cl100k split).
let sampleTokenizerPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("pipelines/tokenizers/medical-sample-bpe.json").path

/// A small model over the sample tokenizer's vocabulary, saved with its tokenizer files in `dir`.
func sampleModelFolder(_ dir: String, vocab: Int = 3113) throws -> (LlamaModel, HFTokenizerFiles) {
    var cfg = LlamaConfig(vocabSize: vocab, hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 4, numKVHeads: 2, maxPositions: 64)
    cfg.eosTokenId = 0
    let m = try LlamaModel(config: cfg)
    m.initialize(seed: 5, std: 0.1)
    let files = try HFTokenizerFiles(tokenizerPath: sampleTokenizerPath)
    try Checkpoint.saveModel(m, to: dir, tokenizer: files)
    return (m, files)
}

func readJSON(_ path: String) throws -> JSONValue {
    guard let d = FileManager.default.contents(atPath: path) else { throw TrainerError.config("cannot read \(path)") }
    return try JSONParser.parse(bytes: [UInt8](d))
}

@Suite struct HFFolderTests {
    @Test func aCheckpointFolderHasTheTokenizerFilesAndAgreeingIds() throws {
        let d = TmpDir()
        _ = try sampleModelFolder(d.path + "/ck")
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: d.path + "/ck"))
        #expect(names == Set(Checkpoint.modelFiles + HFTokenizerFiles.fileNames + [CheckpointManifest.fileName]))
        let listed = try #require(try CheckpointManifest.load(directory: d.path + "/ck"))
        #expect(Set(listed.keys) == Set(Checkpoint.modelFiles + HFTokenizerFiles.fileNames))
        #expect(FileManager.default.contents(atPath: d.path + "/ck/tokenizer.json") == FileManager.default.contents(atPath: sampleTokenizerPath))
        let tc = try readJSON(d.path + "/ck/tokenizer_config.json")
        #expect(tc["tokenizer_class"] == .string("PreTrainedTokenizerFast"))
        #expect(tc["add_bos_token"] == .bool(false))
        #expect(tc["bos_token"] == .string("<|endoftext|>") && tc["eos_token"] == .string("<|endoftext|>") && tc["pad_token"] == .string("<|endoftext|>"))
        #expect(tc["model_max_length"] == .int(64))
        #expect(tc["chat_template"]?.stringValue == ChatTemplate.chatml.jinja())
        #expect(tc["added_tokens_decoder"]?["2"]?["content"] == .string("<|im_end|>"))
        let cfg = try readJSON(d.path + "/ck/config.json")
        #expect(cfg["bos_token_id"] == .int(0) && cfg["eos_token_id"] == .int(0) && cfg["pad_token_id"] == .int(0))
        #expect(cfg["vocab_size"] == .int(3113))
        let gen = try readJSON(d.path + "/ck/generation_config.json")
        #expect(gen["eos_token_id"] == .array([.int(0), .int(2)]))  // <|endoftext|>, then ChatML's end of turn
        #expect(try readJSON(d.path + "/ck/special_tokens_map.json")["pad_token"] == .string("<|endoftext|>"))
        #expect(try Checkpoint.loadConfig(from: d.path + "/ck").padTokenId == 0)
    }

    @Test func aModelSmallerThanItsTokenizerIsRefusedAndALargerOneIsReported() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/a", sampleDocs(10))
        var c = TrainConfig(data: [.init(path: d.path + "/a")], outputDir: d.path + "/out",
                            model: LlamaConfig(vocabSize: 3000, hiddenSize: 16, intermediateSize: 24, numLayers: 1, numHeads: 2))
        c.tokenizer = sampleTokenizerPath
        #expect(throws: TrainerError.config("the model's vocab_size 3000 is smaller than the tokenizer's 3113 ids (\(sampleTokenizerPath)); leave model.vocab_size out to use the tokenizer's size")) {
            _ = try TrainingRun(config: c)
        }
        c.model!.vocabSize = 3116
        #expect(try TrainingRun(config: c).vocabularyNote == "vocab_size 3116 pads the tokenizer's 3113 ids with 3 unused rows")
        c.model!.vocabSize = 3113
        #expect(try TrainingRun(config: c).vocabularyNote == nil)
    }

    @Test func vocabSizeDefaultsToTheTokenizers() throws {
        let yaml = "data: a\noutput_dir: out\ntokenizer: \(sampleTokenizerPath)\nmodel: {hidden_size: 16, intermediate_size: 24, num_layers: 1, num_heads: 2}\n"
        #expect(try TrainConfig.parse(yaml: yaml).model?.vocabSize == 3113)
        #expect(throws: TrainerError.config("model.vocab_size is required without tokenizer")) {
            _ = try TrainConfig.parse(yaml: "data: a\noutput_dir: out\nmodel: {hidden_size: 16, intermediate_size: 24, num_layers: 1, num_heads: 2}\n")
        }
    }

    @Test func relativePaths() {
        #expect(Checkpoint.relativePath(from: "/a/out/lora/checkpoint-000004", to: "/a/out/base/checkpoint-000060") == "../../base/checkpoint-000060")
        #expect(Checkpoint.relativePath(from: "/a/b", to: "/a/b") == ".")
        #expect(Checkpoint.relativePath(from: "/a/b", to: "/c/d") == nil)
        #expect(Checkpoint.relativePath(from: "/a/b/", to: "/a/b/../c") == "../c")
    }

    @Test func theTrainerStateHasItsOwnNameAndTheOldNameStillResumes() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/a", sampleDocs(40))
        var c = TrainConfig(data: [.init(path: d.path + "/a")], outputDir: d.path + "/out", model: tinyConfig)
        c.steps = 2; c.batchSize = 2; c.seqLen = 8; c.logEvery = 0; c.checkpointEvery = 1
        let run = try TrainingRun(config: c)
        run.log = { _ in }
        try run.run(maxSteps: 1)
        let ck = run.checkpointDir(step: 1)
        #expect(FileManager.default.fileExists(atPath: ck + "/domainforge_state.json"))
        #expect(!FileManager.default.fileExists(atPath: ck + "/trainer_state.json"))
        // a folder written before the rename: the state under the old name, no manifest
        try FileManager.default.moveItem(atPath: ck + "/domainforge_state.json", toPath: ck + "/trainer_state.json")
        try FileManager.default.removeItem(atPath: ck + "/" + CheckpointManifest.fileName)
        #expect(try TrainingRun(config: c, resumeFrom: ck).step == 1)
    }
}

@Suite struct HFAdapterFolderTests {
    /// A LoRA run whose base folder has a tokenizer: each adapter folder gets the tokenizer files too, and names its
    /// base relative to itself (the two share a parent), so the pair can be moved together.
    @Test func adapterFoldersAreCompleteAndNameTheirBaseRelatively() throws {
        let d = TmpDir()
        try writeDataset(d.path + "/a", sampleDocs(40))
        _ = try sampleModelFolder(d.path + "/base", vocab: 3113)
        var c = TrainConfig(data: [.init(path: d.path + "/a")], outputDir: d.path + "/out")
        c.initFrom = d.path + "/base"
        c.steps = 1; c.batchSize = 2; c.seqLen = 8; c.logEvery = 0
        c.lora = LoRAConfig(rank: 2, alpha: 4, modules: [.q, .v])
        let run = try TrainingRun(config: c)
        run.log = { _ in }
        try run.run()
        let ck = run.checkpointDir(step: 1)
        for f in HFTokenizerFiles.fileNames { #expect(FileManager.default.fileExists(atPath: ck + "/" + f), "\(f)") }
        #expect(try readJSON(ck + "/adapter_config.json")["base_model_name_or_path"] == .string("../../base"))
        // moved together, the pair still loads
        try FileManager.default.moveItem(atPath: d.path + "/out", toPath: d.path + "/moved-out")
        try FileManager.default.moveItem(atPath: d.path + "/base", toPath: d.path + "/moved-base")
        try FileManager.default.createDirectory(atPath: d.path + "/x", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: d.path + "/moved-out", toPath: d.path + "/x/out")
        try FileManager.default.moveItem(atPath: d.path + "/moved-base", toPath: d.path + "/x/base")
        let moved = d.path + "/x/out/" + (ck as NSString).lastPathComponent
        #expect(try Checkpoint.loadModel(from: moved).config.vocabSize == 3113)
    }
}
