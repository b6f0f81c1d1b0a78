import Foundation
import Testing
@testable import Trainer

/// Defaults are written once, in `TrainConfig` (and `LoRAConfig`, `EWC`, `LlamaConfig`); schemas/train.schema.json
/// documents the same values.
@Suite struct TrainConfigDefaultsTests {
    @Test func schemaDefaultsAreTheCodeDefaults() {
        #expect(TrainConfig.schemaDefaultMismatches() == [])
    }

    @Test func problemsAreListedWithTheirKeyPaths() {
        let y = "data: [a]\noutput_dir: o\nmodel: {vocab_size: 8, hidden_size: 8, intermediate_size: 8, num_layers: 1, num_heads: 2}\n"
        #expect(performing: { try TrainConfig.parse(yaml: y + "lora: {rank: 2}\newc: {lambda: 1, fisher: f, fisher_data: [g]}\n") }, throws: { e in
            guard case .config(let m) = e as? TrainerError else { return false }
            return m == """
                lora: needs init_from (the base checkpoint)
                ewc: needs exactly one of fisher and fisher_data
                ewc: needs init_from (the weights to stay close to)
                """
        })
        #expect(performing: { try TrainConfig.parse(yaml: "inputs: [{path: a, format: text}]\noutput: {path: o}\n") }, throws: { e in
            guard case .config(let m) = e as? TrainerError else { return false }
            return m == "this is a pipeline config, not a train config; use pipeline run"
        })
    }
}
