import TestSupport
import DomainForgeCore
import PipelineConfig
import PipelineRunner
import Testing

/// `pipeline sft --dedup-config`: the stages are built by the library, and a file it cannot use is a config error
/// naming the file and the key.
@Suite struct SFTDedupStagesTests {
    func make(_ yaml: String?) throws -> [any OrderedStage] {
        let d = TempDir()
        if let yaml { d.write("dedup.yaml", yaml) }
        return try SFTDedupStages.make(configPath: d.path + "/dedup.yaml", stateDirectory: d.path + "/state")
    }

    func problems(_ yaml: String?) -> [String] {
        do { _ = try make(yaml); return [] } catch let e as ConfigErrors { return e.errors.map { "\($0.message)" } } catch { return ["\(error)"] }
    }

    @Test func buildsTheListedStages() throws {
        #expect(try make("stages:\n  - {type: exact_dedup}\n  - {type: line_dedup}\n").count == 2)
    }

    @Test func refusesWhatItCannotUse() {
        #expect(problems(nil) == ["cannot read the config file"])
        #expect(problems("stages: []\n") == ["must have at least 1 item(s)"])
        #expect(problems("stages:\n  - {type: length}\n") == ["'length' is not a known type; allowed values: 'exact_dedup', 'minhash_dedup', 'line_dedup', 'decontaminate'"])
        #expect(problems("stages:\n  - {type: minhash_dedup, mode: global}\n")
                == ["global works on pipeline output folders (pipeline dedup-global); use mode: online here"])
    }
}
