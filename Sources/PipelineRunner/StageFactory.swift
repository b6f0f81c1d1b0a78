import Cleaning
import Dedup
import DomainForgeCore
import PipelineConfig
import Retrieval
import Shards
import Tokenization

/// What a config's stages turn into: the per-document stages, and the shard output when a `shard` stage ends the list.
public struct StagePlan: Sendable {
    public var steps: [PipelineStep]
    public var shards: ShardOutput?

    public init(steps: [PipelineStep], shards: ShardOutput?) { self.steps = steps; self.shards = shards }
    /// A plan of per-document stages only.
    public init(stages: [any DocumentStage], shards: ShardOutput? = nil) { self.init(steps: stages.map { .document($0) }, shards: shards) }

    /// The `mode: global` dedup stage, when the last step is one.
    public var globalDedup: (any GlobalDedupStage)? {
        guard case .ordered(let o) = steps.last, let g = o as? any GlobalDedupStage, g.globalPlan != nil else { return nil }
        return g
    }
}

/// Settings of the shard output (the `shard` stage), with what the manifest records about the tokenizer.
public struct ShardOutput: Sendable {
    public var sizeLimit: Int
    public var zstdLevel: Int32
    public var dtype: TokenDType
    public var tokenizer: ShardManifest.Tokenizer
}

/// Drops documents that reach the shard writer without tokens (reason `no_tokens`), so nothing is lost silently.
struct ShardGate: DocumentStage {
    var name: String { "shard" }
    func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        guard let t = document.tokens, !t.isEmpty else { return .drop(reason: "no_tokens") }
        counters.add("tokens", t.count)
        return .keep
    }
}

/// Builds the stage objects of a validated config.
public enum StageFactory {
    /// Every stage type a config may name.
    public static var stageTypes: [String] { CleaningStageFactory.stageTypes + DedupStageFactory.stageTypes + [RAGIndexStage.type, "tokenize", "shard"] }

    /// Where ordered stages of a rank keep their state: `OUT/dedup/<type>` (`OUT/dedup/rank-NNNNN/<type>` with ranks).
    public static func stateDirectory(_ spec: PipelineSpec, type: String, rank: Int, worldSize: Int, root: String? = nil) -> String {
        let base = root ?? spec.output.path
        return worldSize == 1 ? "\(base)/dedup/\(type)" : "\(base)/dedup/rank-\(String(format: "%05d", rank))/\(type)"
    }

    /// End-of-text tokens tried, in order, when `eos_token` is not given.
    static let eosCandidates = ["<|endoftext|>", "<|end_of_text|>", "</s>", "<|im_end|>", "<eos>"]

    /// Instantiates `spec.stages` in order. Throws `ConfigErrors` naming the stage and option at fault.
    /// - Parameter stateRoot: where ordered stages keep state instead of the output folder (validation uses a
    ///   temporary folder so that checking a config writes nothing).
    public static func make(_ spec: PipelineSpec, rank: Int = 0, worldSize: Int = 1, stateRoot: String? = nil) throws -> StagePlan {
        var out = [PipelineStep]()
        var errors = [ConfigError]()
        var tokenizer: BPETokenizer?
        var eos: UInt32?
        var shards: ShardOutput?
        for (i, s) in spec.stages.enumerated() {
            let path = "stages[\(i)]"
            switch s.type {
            case "tokenize":
                let file = spec.resolve(s.options["tokenizer"]?.stringValue ?? "")
                do {
                    let tok = try BPETokenizer.load(path: file)
                    tokenizer = tok
                    if s.options["append_eos"]?.boolValue ?? true {
                        if let name = s.options["eos_token"]?.stringValue {
                            guard let id = tok.tokenId(name) else {
                                errors.append(ConfigError(path: path + ".eos_token", message: "'\(name)' is not a token of \(file)"))
                                continue
                            }
                            eos = id
                        } else {
                            eos = eosCandidates.lazy.compactMap { tok.tokenId($0) }.first
                            if eos == nil {
                                errors.append(ConfigError(path: path + ".eos_token", message: "the tokenizer has none of \(eosCandidates.joined(separator: ", ")); name its end-of-text token or set append_eos: false"))
                                continue
                            }
                        }
                    }
                    out.append(.document(TokenizeStage(tokenizer: tok, appendId: eos, splitSpecialTokens: s.options["split_special_tokens"]?.boolValue ?? true)))
                } catch {
                    errors.append(ConfigError(path: path + ".tokenizer", message: "\(error)"))
                }
            case "shard":
                if i != spec.stages.count - 1 { errors.append(ConfigError(path: path, message: "the shard stage must be the last stage")) }
                guard let tok = tokenizer else {
                    errors.append(ConfigError(path: path, message: "needs a tokenize stage before it"))
                    continue
                }
                let dt: TokenDType
                switch s.options["dtype"]?.stringValue ?? "auto" {
                case "uint16":
                    if tok.vocabSize > 65_536 { errors.append(ConfigError(path: path + ".dtype", message: "uint16 cannot hold a vocabulary of \(tok.vocabSize)")) }
                    dt = .uint16
                case "uint32": dt = .uint32
                default: dt = TokenDType.forVocab(tok.vocabSize)
                }
                shards = ShardOutput(sizeLimit: s.options["size_limit"]?.intValue ?? 1 << 26,
                                     zstdLevel: Int32(s.options["zstd_level"]?.intValue ?? 3), dtype: dt,
                                     tokenizer: .init(fingerprint: tok.fingerprint, vocabSize: tok.vocabSize, eosID: eos))
                out.append(.document(ShardGate()))
            case RAGIndexStage.type:
                do {
                    let base = stateRoot ?? spec.output.path
                    let dir = worldSize == 1 ? "\(base)/rag" : "\(base)/rag/rank-\(String(format: "%05d", rank))"
                    out.append(.ordered(try RAGIndexStage.make(options: s.options, stateDirectory: dir, baseDirectory: spec.baseDirectory)))
                } catch {
                    errors.append(ConfigError(path: path, message: "\(error)"))
                }
            case let t where DedupStageFactory.stageTypes.contains(t):
                do {
                    let dir = stateDirectory(spec, type: t, rank: rank, worldSize: worldSize, root: stateRoot)
                    out.append(.ordered(try DedupStageFactory.make(type: t, options: s.options, stateDirectory: dir, baseDirectory: spec.baseDirectory)))
                } catch {
                    errors.append(ConfigError(path: path, message: "\(error)"))
                }
            default:
                do {
                    out.append(.document(try CleaningStageFactory.make(type: s.type, options: s.options)))
                } catch {
                    errors.append(ConfigError(path: path, message: "\(error)"))
                }
            }
        }
        // A global dedup stage removes documents after the run, so it must be the last step.
        for (i, s) in spec.stages.enumerated() where DedupStageFactory.stageTypes.contains(s.type) && s.options["mode"]?.stringValue == "global"
            && i != spec.stages.count - 1 {
            let later = spec.stages[(i + 1)...].map(\.type).joined(separator: ", ")
            errors.append(ConfigError(path: "stages[\(i)].mode", message: "a mode: global \(s.type) stage must be the last stage: it removes "
                + "documents after the run, when the stages after it (\(later)) have already seen them; move them before it, or run "
                + "them (e.g. tokenize, shard) in a second pipeline that reads this pipeline's documents/ output"))
        }
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
        return StagePlan(steps: out, shards: shards)
    }
}
