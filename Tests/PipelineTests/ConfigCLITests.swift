import TestSupport
import DomainForgeCore
import Foundation
import Testing

/// `pipeline validate` on every kind of config, and each command given a file of another kind.
@Suite(.enabled(if: CLI.binary != nil, "pipeline binary not built"))
struct ConfigCLITests {
    /// Every bundled config (chat templates aside), of every kind, validates and is named with its kind.
    @Test func validateAcceptsEveryBundledConfigOfEveryKind() throws {
        let files = ["pipelines/medical-sample.yaml", "pipelines/forgetting-lab.yaml", "pipelines/dedup/sft-near-dedup-decontaminate.yaml",
                     "pipelines/templates/sft-template-plain.yaml"]
            + ["mixes", "sweeps", "train"].flatMap { sub in
                (try? FileManager.default.contentsOfDirectory(atPath: CLI.root.path + "/pipelines/" + sub))?.filter { $0.hasSuffix(".yaml") }.sorted()
                    .map { "pipelines/\(sub)/\($0)" } ?? []
            }
        let r = try CLI.run(["validate"] + files)
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n").map(String.init)
        #expect(lines.count == files.count)
        #expect(lines.contains("pipelines/mixes/mix-sft-sample.yaml: ok (mix config: 2 sources: domain, general)"))
        #expect(lines.contains("pipelines/sweeps/sweep-lora-rank.yaml: ok (sweep config: lora.rank over 4 values)"), "\(lines)")
        #expect(lines.contains("pipelines/train/train-medical-tiny.yaml: ok (train config: 1 data source(s), new model, 60 steps)"), "\(lines)")
        #expect(lines.contains("pipelines/dedup/sft-near-dedup-decontaminate.yaml: ok (SFT dedup config: 2 stages: minhash_dedup, decontaminate)"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("pipelines/forgetting-lab.yaml: ok (lab: ") })
        #expect(lines.contains("pipelines/templates/sft-template-plain.yaml: ok (SFT chat template: plain-qa, roles: assistant, system, tool, user)"))
    }

    @Test func validateReportsEveryProblemWithTheKind() throws {
        let d = TempDir()
        d.write("t.yaml", "data: [a]\noutput_dir: o\ninit_from: b\nsteps: 0\nlora: {rank: 0}\n")
        d.write("m.yaml", "output: o\nsources: [{name: a, sft: a.jsonl, shards: b, ratio: 1}]\n")
        d.write("x.yaml", "colour: red\n")
        let r = try CLI.run(["validate", d.path + "/t.yaml", d.path + "/m.yaml", d.path + "/x.yaml"])
        #expect(r.status == 2)
        #expect(r.err == """
            \(d.path)/t.yaml: train config: lora.rank: must be at least 1, got 0
            \(d.path)/t.yaml: train config: steps: must be at least 1, got 0
            \(d.path)/m.yaml: mix config: sources[0]: (a) needs exactly one of sft (files) or shards (folders)
            \(d.path)/x.yaml: not a config of any known kind (pipeline, train, mix, sweep, lab, sft-dedup, sft-template): none of its top-level keys is known

            """)
    }

    /// A command given a file of another kind names the kind and the command to use.
    @Test func eachCommandNamesAFileOfAnotherKind() throws {
        let pipeline = "pipelines/medical-sample.yaml", train = "pipelines/train/train-medical-tiny.yaml"
        let cases: [([String], String)] = [
            (["train", pipeline], "\(pipeline): this is a pipeline config, not a train config; use pipeline run"),
            (["mix", train], "\(train): this is a train config, not a mix config; use pipeline train"),
            (["sweep", pipeline], "\(pipeline): this is a pipeline config, not a sweep config; use pipeline run"),
            (["lab", train], "\(train): this is a train config, not a lab config; use pipeline train"),
            (["run", train], "\(train): this is a train config, not a pipeline config; use pipeline train"),
        ]
        for (args, message) in cases {
            let r = try CLI.run(args)
            #expect(r.status == 2, "\(args): \(r.err)")
            #expect(r.err == message + "\n", "\(args)")
        }
    }
}
