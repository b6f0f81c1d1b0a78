import DomainForgeCore
import Foundation
import PipelineConfig

/// A replay mix: named sources with target ratios, read from YAML.
///
/// ```yaml
/// name: medical-replay
/// seed: 42
/// by: tokens              # tokens | records
/// total: 2000000          # optional: default is the largest total that needs no upsampling
/// replacement: false      # true: a source may be repeated (each pass in a fresh order) ...
/// max_upsample: 3.0       # ... up to this many times its size
/// tolerance: 0.005        # achieved ratio must be within this of the target
/// tokenizer: tokenizers/medical-sample-bpe.json   # needed for SFT sets; paths are relative to this file
/// template: chatml        # chatml | llama3 | template.yaml
/// max_tokens: 2048        # optional, with over_length: drop | truncate | error
/// pack: 2048              # optional packing window for the output shards
/// chunk: 2048             # optional: split CPT documents into pieces of this many tokens before selection
/// output: out/mix          # folder: shards, manifest.json, mix_report.json (+ records.jsonl for SFT sets)
/// sources:
///   - {name: medquad, sft: [../../shared/data/sft-domain/medquad/medquad_qa.jsonl], ratio: 0.8}
///   - {name: general, sft: [general.json], ratio: 0.2}
///   - {name: web, shards: out/web-shards, ratio: 0.1}   # CPT (or SFT) shard folder
/// ```
public struct MixSpec: Sendable, Equatable {
    public enum Unit: String, Sendable { case tokens, records }
    public struct Source: Sendable, Equatable {
        public var name: String
        public var sftFiles: [String]
        public var shardDirs: [String]
        public var ratio: Double
        public var format: SFTFormat
    }
    public var name: String
    public var seed: UInt64
    public var by: Unit
    public var total: Int?
    public var replacement: Bool
    public var maxUpsample: Double
    public var tolerance: Double
    public var tokenizer: String?
    public var template: String
    public var trainOnPrompt: Bool
    public var maxTokens: Int?
    public var overLength: OverLengthPolicy
    public var pack: Int?
    /// Split CPT samples (shard sources without a loss mask) into pieces of at most this many tokens before
    /// selection, so that long documents do not make the ratio coarse.
    public var chunk: Int?
    public var output: String
    public var sources: [Source]
    /// Scale the ratios to sum to 1 (`--normalize`); otherwise they must already sum to 1 within `ratioSumTolerance`.
    public var normalize: Bool = false
    /// Check each shard file's sha256 when it is opened (not a YAML key; false: `pipeline mix --no-verify`).
    public var verifyShards = true

    /// How far from 1 the sum of the ratios may be without `normalize`.
    public static let ratioSumTolerance = 1e-6

    /// The ratios as fractions of 1. Throws `MixError` naming the sum when it is not 1 and `normalize` is off.
    public func normalizedRatios() throws -> [Double] {
        let sum = sources.reduce(0) { $0 + $1.ratio }
        if !normalize && abs(sum - 1) > Self.ratioSumTolerance {
            let shown = String(format: "%.6g", sum)
            throw MixError("the ratios of the sources sum to \(shown), not 1: fix them so that they add up to 1, or pass --normalize to scale them")
        }
        return sources.map { $0.ratio / sum }
    }

    /// Reads a mix file (`schemas/mix.schema.json`). Relative paths in it (sources, tokenizer, template file, output)
    /// are resolved against the folder of the YAML file. Throws `MixError` listing every problem with its key path.
    public static func load(path: String) throws -> MixSpec {
        let tree: JSONValue
        do { tree = try ConfigFile.read(path: path) } catch { throw MixError("\(error)") }
        var s = try decode(tree, file: path)
        let paths = PathResolver(baseDirectory: (path as NSString).deletingLastPathComponent, style: .joined)
        s.output = paths.resolve(s.output)
        s.tokenizer = s.tokenizer.map(paths.resolve)
        if ChatTemplate.builtins[s.template.lowercased()] == nil { s.template = paths.resolve(s.template) }
        for i in s.sources.indices {
            s.sources[i].sftFiles = s.sources[i].sftFiles.map(paths.resolve)
            s.sources[i].shardDirs = s.sources[i].shardDirs.map(paths.resolve)
        }
        return s
    }

    /// Parses mix YAML text (paths as written).
    public static func parse(_ text: String, file: String = "mix.yaml") throws -> MixSpec {
        let tree: JSONValue
        do { tree = try YAMLLoader.load(text, file: file) } catch { throw MixError("\(error)") }
        return try decode(tree, file: file)
    }

    /// Validates a parsed mix tree (a file of another kind is named as such) and reads it; the defaults of the
    /// optional keys are here only.
    public static func decode(_ tree: JSONValue, file: String) throws -> MixSpec {
        var problems = [ConfigError]()
        do { try ConfigFile.validate(tree, as: .mix) } catch let e as ConfigErrors { problems = e.errors }
        var sources = [Source]()
        for (i, s) in (problems.isEmpty ? tree["sources"]!.arrayValue! : []).enumerated() {
            let name = s["name"]!.stringValue!
            if sources.contains(where: { $0.name == name }) {
                problems.append(ConfigError(path: "sources[\(i)].name", message: "'\(name)' is used twice; source names must differ"))
            }
            func list(_ k: String) -> [String] { s[k].map { ($0.arrayValue ?? [$0]).compactMap(\.stringValue) } ?? [] }
            let sft = list("sft"), shards = list("shards")
            if sft.isEmpty == shards.isEmpty {
                problems.append(ConfigError(path: "sources[\(i)]", message: "(\(name)) needs exactly one of sft (files) or shards (folders)"))
            }
            sources.append(Source(name: name, sftFiles: sft, shardDirs: shards, ratio: s["ratio"]!.doubleValue!,
                                  format: SFTFormat(rawValue: s["format"]?.stringValue ?? "auto")!))
        }
        if !problems.isEmpty { throw MixError(problems.map { "\(file): \($0)" }.joined(separator: "\n")) }
        return MixSpec(name: tree["name"]?.stringValue ?? "mix", seed: UInt64(tree["seed"]?.intValue ?? 0),
                       by: Unit(rawValue: tree["by"]?.stringValue ?? "tokens")!, total: tree["total"]?.intValue,
                       replacement: tree["replacement"]?.boolValue ?? false, maxUpsample: tree["max_upsample"]?.doubleValue ?? 1,
                       tolerance: tree["tolerance"]?.doubleValue ?? 0.005, tokenizer: tree["tokenizer"]?.stringValue,
                       template: tree["template"]?.stringValue ?? "chatml", trainOnPrompt: tree["train_on_prompt"]?.boolValue ?? false,
                       maxTokens: tree["max_tokens"]?.intValue, overLength: OverLengthPolicy(rawValue: tree["over_length"]?.stringValue ?? "drop")!,
                       pack: tree["pack"]?.intValue, chunk: tree["chunk"]?.intValue, output: tree["output"]!.stringValue!, sources: sources)
    }
}
