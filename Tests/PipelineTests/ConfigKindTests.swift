import DomainForgeCore
import Foundation
import PipelineConfig
import PipelineRunner
import Testing

/// The one config path: every kind of YAML the CLI reads is told apart by its keys, validated against its schema in
/// `schemas/` with every problem and its key path, and a file of another kind is named as such.
@Suite struct ConfigKindTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func tree(_ yaml: String) throws -> JSONValue { try YAMLLoader.load(yaml, file: "t.yaml") }

    /// The problems `yaml` has as a `kind` config, as printed (`key.path: message`).
    func problems(_ yaml: String, as kind: ConfigKind) throws -> [String] {
        do {
            try ConfigFile.validate(try tree(yaml), as: kind, schemas: .registry)
            return []
        } catch let e as ConfigErrors {
            return e.errors.map(\.description)
        }
    }

    static let train = "data: [shards]\noutput_dir: run\nmodel: {vocab_size: 32, hidden_size: 16, intermediate_size: 24, num_layers: 1, num_heads: 2}\n"
    static let mix = "output: out\nsources:\n  - {name: a, sft: a.jsonl, ratio: 0.5}\n  - {name: b, shards: b, ratio: 0.5}\n"
    static let sweep = "train: train.yaml\nparameter: lora.rank\nvalues: [4, 8]\neval: {data: {domain: d}}\noutput_dir: out\n"
    static let pipeline = "inputs: [{path: a, format: text}]\nstages: [{type: length}]\noutput: {path: o}\n"
    static let sftDedup = "stages:\n  - {type: exact_dedup}\n  - {type: minhash_dedup, bands: 20, rows: 5}\n"
    static let lab = """
        output_dir: o
        tokenizer: t.json
        corpora: {general: {inputs: [{path: g, format: text}]}, domain: {inputs: [{path: d, format: text}]}}
        model: {hidden_size: 16}
        pretrain: {steps: 2}
        adapt: {steps: 2}
        arms: [{name: full}]

        """

    @Test func eachKindIsDetectedAndValid() throws {
        let cases: [(String, ConfigKind)] = [(Self.train, .train), (Self.mix, .mix), (Self.sweep, .sweep), (Self.pipeline, .pipeline),
                                             (Self.sftDedup, .sftDedup), (Self.lab, .lab)]
        for (yaml, kind) in cases {
            #expect(ConfigKind.detect(try tree(yaml)) == kind, "\(yaml)")
            let p = try problems(yaml, as: kind)
            #expect(p == [], "\(kind)")
        }
        #expect(ConfigKind.detect(try tree("colour: red\n")) == nil)
        #expect(ConfigKind.detect(try tree("[1, 2]")) == nil)
    }

    @Test func aFileOfAnotherKindIsNamed() throws {
        let p1 = try problems(Self.pipeline, as: .train)
        #expect(p1 == ["this is a pipeline config, not a train config; use pipeline run"])
        let p2 = try problems(Self.train, as: .pipeline)
        #expect(p2 == ["this is a train config, not a pipeline config; use pipeline train"])
        let p3 = try problems(Self.mix, as: .sweep)
        #expect(p3 == ["this is a mix config, not a sweep config; use pipeline mix"])
        let p4 = try problems(Self.sweep, as: .lab)
        #expect(p4 == ["this is a sweep config, not a lab config; use pipeline sweep"])
        let p5 = try problems(Self.lab, as: .train)
        #expect(p5 == ["this is a lab config, not a train config; use pipeline lab"])
        let p6 = try problems(Self.sftDedup, as: .mix)
        #expect(p6 == ["this is a SFT dedup config, not a mix config; use pipeline sft validate --dedup-config"])
        // a typo in a file of the right kind is reported as the typo, not as another kind
        let p7 = try problems("inpts: [{path: a, format: text}]\nstages: [{type: length}]\noutput: {path: o}\n", as: .pipeline)
        #expect(p7 == [
            "inputs: is required",
            "inpts: unknown key; allowed keys here: description, execution, inputs, name, next, output, stages, version",
        ])
    }

    @Test func trainProblemsNameTheirKeys() throws {
        let p8 = try problems("data: [a]\noutput_dir: o\n", as: .train)
        #expect(p8 == ["(top level): needs one of: model, init_from"])
        let p9 = try problems(Self.train + "steps: 0\nseq_len: 1\noptimizer: {lr: fast}\n", as: .train)
        #expect(p9 == [
            "optimizer.lr: expected number, got string 'fast'",
            "seq_len: must be at least 2, got 1",
            "steps: must be at least 1, got 0",
        ])
        let p10 = try problems("data: [a]\noutput_dir: o\ninit_from: b\nlora: {dropout: 1, rank: 0, modules: [lm_head]}\newc: {fisher: f}\n", as: .train)
        #expect(p10 == [
            "ewc.lambda: is required",
            "lora.dropout: must be less than 1, got 1",
            "lora.modules[0]: 'lm_head' is not allowed; allowed values: 'q', 'k', 'v', 'o', 'gate', 'up', 'down', 'q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'",
            "lora.rank: must be at least 1, got 0",
        ])
        let p11 = try problems("data: [{path: a, weight: 0}, 5]\noutput_dir: o\ninit_from: b\n", as: .train)
        #expect(p11 == [
            "data[0].weight: must be greater than 0, got 0",
            "data[1]: expected string, got integer 5",
        ])
    }

    @Test func mixSweepLabAndDedupProblemsNameTheirKeys() throws {
        let p12 = try problems("output: o\nby: bytes\nsources: [{name: '', ratio: 0}]\n", as: .mix)
        #expect(p12 == [
            "by: 'bytes' is not allowed; allowed values: 'tokens', 'records'",
            "sources[0].name: must have at least 1 character(s)",
            "sources[0].ratio: must be greater than 0, got 0",
        ])
        let p13 = try problems("train: t.yaml\nparameter: steps\nvalues: []\neval: {data: {}}\noutput_dir: o\n", as: .sweep)
        #expect(p13 == [
            "eval.data: must have at least 1 key(s)",
            "values: must have at least 1 item(s)",
        ])
        let p14 = try problems(Self.lab.replacingOccurrences(of: "arms: [{name: full}]", with: "arms: [{name: full, replay: 2}]"), as: .lab)
        #expect(p14 == [
            "arms[0].replay: must be at most 0.95, got 2",
        ])
        let p15 = try problems("stages: [{type: gopher_quality}, {type: exact_dedup, bogus: 1}]\n", as: .sftDedup)
        #expect(p15 == [
            "stages[0].type: 'gopher_quality' is not a known type; allowed values: 'exact_dedup', 'minhash_dedup', 'line_dedup', 'decontaminate'",
            "stages[1].bogus: unknown key; allowed keys here: chinese, collapse_whitespace, index_path, keep, lowercase, mode, partition_by_language, priority_field, remove_digits, remove_punctuation, type",
        ])
    }

    @Test func sftDedupConfigChecksModeAndRepeats() throws {
        let d = (NSTemporaryDirectory() as NSString).appendingPathComponent("cfgkind-\(getpid())")
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: d) }
        try Data("stages:\n  - {type: exact_dedup, mode: global}\n  - {type: exact_dedup}\n".utf8).write(to: URL(fileURLWithPath: d + "/x.yaml"))
        #expect(performing: { try SFTDedupConfig.load(path: d + "/x.yaml") }, throws: { e in
            (e as? ConfigErrors)?.errors.map(\.description) == [
                "stages[0].mode: global works on pipeline output folders (pipeline dedup-global); use mode: online here",
                "stages[1].type: stage 'exact_dedup' appears twice; each stage type may be used once",
            ]
        })
        try Data(Self.sftDedup.utf8).write(to: URL(fileURLWithPath: d + "/ok.yaml"))
        let ok = try SFTDedupConfig.load(path: d + "/ok.yaml")
        #expect(ok.stages.map(\.type) == ["exact_dedup", "minhash_dedup"])
        #expect(ok.baseDirectory == d)
    }

    /// Lab and sweep readers take their defaults from the schema (written once there).
    @Test func schemaDefaultsFillAbsentKeys() throws {
        let lab = ConfigKind.lab.validator.applyingDefaults(try tree(Self.lab))
        #expect(lab["seed"] == .int(1) && lab["threads"] == .int(1) && lab["heldout_fraction"] == .double(0.05))
        #expect(lab["eval"] == .object(["batch_size": .int(8)]) && lab["arms"]?.arrayValue?[0]["replay"] == .int(0))
        let given = ConfigKind.lab.validator.applyingDefaults(try tree(Self.lab + "seed: 7\neval: {batch_size: 2}\n"))
        #expect(given["seed"] == .int(7) && given["eval"] == .object(["batch_size": .int(2)]))
        let sweep = ConfigKind.sweep.validator.applyingDefaults(try tree(Self.sweep))
        #expect(sweep["eval"] == .object(["data": .object(["domain": .string("d")]), "batch_size": .int(8)]))
    }

    /// Every bundled YAML config validates as the kind its folder says.
    @Test func everyBundledConfigValidatesAsItsKind() throws {
        let dir = Self.root + "/pipelines"
        let files = (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("out/") }.sorted()
        #expect(files.count >= 21)
        for f in files {
            let expected: ConfigKind = f.hasPrefix("train/") ? .train : f.hasPrefix("mixes/") ? .mix : f.hasPrefix("sweeps/") ? .sweep
                : f.hasPrefix("dedup/") ? .sftDedup : f.hasPrefix("templates/") ? .sftTemplate : f.contains("lab") ? .lab : .pipeline
            let t = try ConfigFile.read(path: dir + "/" + f)
            #expect(ConfigKind.detect(t) == expected, "\(f)")
            let validator = ConfigSchemas.registry.validator(expected)
            #expect(validator.validate(t).isEmpty, "\(f): \(validator.validate(t))")
        }
    }

    /// The embedded schemas are the files in schemas/ (for pipeline and SFT dedup configs with the registry's stage
    /// definitions); the SFT dedup schema holds exactly the registry's dedup stages.
    @Test func embeddedSchemasMatchTheFiles() throws {
        for kind in ConfigKind.allCases {
            let file = try String(contentsOfFile: Self.root + "/schemas/\(kind.rawValue).schema.json", encoding: .utf8)
            #expect(try JSONParser.parse(file) == ConfigSchemas.registry.validator(kind).schema,
                    "run swift build && python3 scripts/build-schemas.py (\(kind.rawValue))")
        }
        let defs = try #require(ConfigSchemas.registry.sftDedup.schema["$defs"]?.objectValue)
        #expect(Set(defs.keys) == Set(StageRegistry.dedupTypes.map { "stage_" + $0 }))
        #expect(StageRegistry.dedupTypes == ["exact_dedup", "minhash_dedup", "line_dedup", "decontaminate"])
    }
}
