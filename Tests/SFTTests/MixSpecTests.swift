import DomainForgeCore
import Foundation
import SFT
import Testing

/// A mix file goes through schemas/mix.schema.json: every problem with its key path, defaults written once.
@Suite struct MixSpecTests {
    func message(_ yaml: String) -> String? {
        do { _ = try MixSpec.parse(yaml, file: "m.yaml"); return nil } catch let e as MixError { return e.message } catch { return "\(error)" }
    }

    @Test func defaultsOfTheOptionalKeys() throws {
        let s = try MixSpec.parse("output: o\nsources: [{name: a, sft: a.jsonl, ratio: 1}]\n")
        #expect(s.name == "mix" && s.seed == 0 && s.by == .tokens && s.total == nil && !s.replacement && s.maxUpsample == 1)
        #expect(s.tolerance == 0.005 && s.template == "chatml" && !s.trainOnPrompt && s.overLength == .drop && s.sources[0].format == .auto)
    }

    @Test func everyProblemIsListedWithItsKeyPath() {
        #expect(message("output: o\nby: bytes\nseed: -1\nsources: [{name: a, ratio: 0, colour: red}]\n") == """
            m.yaml: by: 'bytes' is not allowed; allowed values: 'tokens', 'records'
            m.yaml: seed: must be at least 0, got -1
            m.yaml: sources[0].colour: unknown key; allowed keys here: format, name, ratio, sft, shards
            m.yaml: sources[0].ratio: must be greater than 0, got 0
            """)
        #expect(message("output: o\nsources: [{name: a, ratio: 0.5}, {name: a, sft: x, shards: y, ratio: 0.5}]\n") == """
            m.yaml: sources[0]: (a) needs exactly one of sft (files) or shards (folders)
            m.yaml: sources[1].name: 'a' is used twice; source names must differ
            m.yaml: sources[1]: (a) needs exactly one of sft (files) or shards (folders)
            """)
        #expect(message("sources: [{name: a, sft: a.jsonl, ratio: 1}]\n") == "m.yaml: output: is required")
        #expect(message("data: [shards]\noutput_dir: run\ninit_from: base\n")
                == "m.yaml: this is a train config, not a mix config; use pipeline train")
    }
}
