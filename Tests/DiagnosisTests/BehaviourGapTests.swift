import Diagnosis
import Foundation
import SFT
import Testing
import Tokenization
import Trainer

@Suite struct BehaviourGapTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The flat model (all weights zero) never stops: greedy decoding picks id 0, not `<|im_end|>`.
    @Test func flatModelRunsOnAndInvalidRecordsAreCounted() throws {
        let tok = try BPETokenizer.load(path: Self.root + "/pipelines/tokenizers/medical-sample-bpe.json")
        let m = try LlamaModel(config: LlamaConfig(vocabSize: tok.vocabSize, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2,
                                                   maxPositions: 128, tieEmbeddings: true))
        m.initialize(seed: 1, std: 0)
        let renderer = try SFTRenderer(template: try ChatTemplate.named("chatml"), tokenizer: tok)
        let g = try BehaviourGap.measure(model: m, renderer: renderer, path: Self.root + "/corpora/sft/dolly-medical.jsonl", seqLen: 64,
                                         maxRecords: 10, generateRecords: 2, maxNewTokens: 16)
        #expect(g.validRecords + g.invalidRecords == 5)
        #expect(g.invalidRecords == 2)  // an empty response and a numeric one
        #expect(g.endOfTurn == "<|im_end|>")
        #expect(g.generated == 2 && g.stopped == 0 && g.runOns == 2 && g.earlyStops == 0)
        #expect(g.stopCompliance == 0 && g.runOnShare == 1)
        #expect(abs(g.responseLoss! - log(Double(tok.vocabSize))) < 1e-9)
        #expect(g.jsonChecked == 0 && g.jsonCompliance == nil)
    }
}
