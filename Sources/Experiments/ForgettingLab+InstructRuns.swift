import DomainForgeCore
import Evaluation
import Foundation
import SFT
import Tokenization

extension ForgettingLab {
    /// The instruct model's recipe: SFT of the base on the general chat shards (`adapt` keys, with the section's
    /// steps and learning rate).
    func instructRecipe(_ s: LabConfig.InstructSettings, base: String) -> TrainRecipe {
        var r = TrainRecipe(tree: ["objective": .string("sft"), "seed": .int(Int64(config.seed)), "threads": .int(Int64(config.threads)),
                                   "log_every": .int(25)], baseDirectory: config.baseDirectory)
        r.merge(config.adapt)
        r.merge(["steps": .int(Int64(s.steps)), "optimizer": .object(["lr": .double(s.lr)])])
        r.tree["init_from"] = .string(base)
        r.tree["data"] = .array([.object(["path": .string(chatTrainShards), "weight": .int(1)])])
        return r
    }

    /// With `instruct:`: prepares the chat data and adds the held-out chat records to the evaluation (label
    /// `chat`: response loss and JSON checks, with the section's template).
    func prepareInstruct(tokenizer: BPETokenizer, evalData: inout [(label: String, path: String)], options: inout Evaluator.Options) throws {
        guard let s = config.instruct else { return }
        try prepareInstructData(s, tokenizer: tokenizer)
        evalData.append((ChatRetention.label, chatHeldoutRecords))
        options.template = s.template
    }

    /// Trains and evaluates the instruct model (nil without `instruct:`).
    func runInstruct(_ exp: ExperimentRun, base: String) throws -> RunDirectory? {
        guard let s = config.instruct else { return nil }
        log("[instruct] SFT of the base on general chat records")
        return try exp.run(instructRecipe(s, base: base), directory: instructRunDir)
    }

    /// The checkpoint an arm starts from.
    func startCheckpoint(_ arm: LabConfig.Arm, base: String, instruct: RunDirectory?) throws -> String {
        guard arm.start == .instruct else { return base }
        guard let instruct else { throw EvaluationError.config("arm \(arm.name): start: instruct needs an instruct: section") }
        return RunDirectory.checkpoint(of: instruct.path)
    }

    /// The shards an arm adapts on, and its objective.
    func adaptData(_ arm: LabConfig.Arm) -> (path: String, objective: String) {
        arm.data == .domainSFT ? (domainSFTShards, "sft") : (trainShards("domain"), "cpt")
    }

    /// Template adherence of every run (`chat_format.json`), with `instruct:`.
    func probeChatFormat(_ runDirectories: [String], tokenizer: BPETokenizer) throws {
        guard let s = config.instruct else { return }
        let t0 = Date()
        let renderer: SFTRenderer
        do { renderer = try SFTRenderer(template: try ChatTemplate.named(s.template), tokenizer: tokenizer) } catch {
            throw EvaluationError.config("instruct.template: \(error)")
        }
        let probe = try ChatFormatProbe(recordsPath: chatHeldoutRecords, renderer: renderer, maxRecords: s.probeRecords,
                                        maxNewTokens: s.probeMaxNewTokens)
        for dir in runDirectories {
            let r = try probe.run(runDirectory: dir)
            log(String(format: "[%@] template adherence %d/%d", (dir as NSString).lastPathComponent, r.ended, r.checked))
        }
        log(String(format: "[chat] template adherence probed in %.1f s", Date().timeIntervalSince(t0)))
    }
}
