import DomainForgeCore

/// The kinds of YAML file the CLI reads, each validated against its schema in `schemas/` (embedded by
/// `scripts/build-schemas.py`; the stage definitions of pipeline and SFT dedup configs come from the stage registry,
/// see ``ConfigSchemas``). `detect` tells them apart by their keys, so a file given to the wrong command is named
/// as what it is.
public enum ConfigKind: String, CaseIterable, Sendable {
    case pipeline, train, mix, sweep, lab
    /// The `--dedup-config` file of `pipeline sft validate`: a `stages:` list of dedup stages.
    case sftDedup = "sft-dedup"
    /// A custom chat template (`--template FILE.yaml`, a mix's `template:`).
    case sftTemplate = "sft-template"

    /// The validator of this kind's schema. For the kinds that list stages (pipeline, SFT dedup) it is the base
    /// document, which knows no stage type: ``ConfigSchemas`` adds the stage definitions of a registry (use
    /// `ConfigSchemas.registry.validator(kind)` to check a whole file).
    public var validator: SchemaValidator {
        switch self {
        case .pipeline: return Validators.pipelineBase
        case .train: return Validators.train
        case .mix: return Validators.mix
        case .sweep: return Validators.sweep
        case .lab: return Validators.lab
        case .sftDedup: return Validators.sftDedup
        case .sftTemplate: return Validators.sftTemplate
        }
    }

    /// The name used in messages: "pipeline config", "train config", "SFT dedup config", ...
    public var title: String {
        switch self {
        case .sftDedup: return "SFT dedup config"
        case .sftTemplate: return "SFT chat template"
        default: return "\(rawValue) config"
        }
    }

    /// The command that reads this kind of file.
    public var command: String {
        switch self {
        case .pipeline: return "pipeline run"
        case .sftDedup: return "pipeline sft validate --dedup-config"
        case .sftTemplate: return "pipeline sft render --template"
        default: return "pipeline \(rawValue)"
        }
    }

    /// How well `tree` fits this kind's schema: top-level keys the schema does not know, and required keys missing.
    /// Nil when the tree is not a mapping or the schema knows none of its keys.
    public func fit(_ tree: JSONValue) -> (unknown: Int, missing: Int)? {
        guard let keys = tree.objectValue?.keys, !keys.isEmpty else { return nil }
        let schema = validator.schema
        let known = schema["properties"]?.objectValue ?? [:]
        let unknown = keys.filter { known[$0] == nil }.count
        if unknown == keys.count { return nil }
        let missing = (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue).filter { tree[$0] == nil }.count
        return (unknown, missing)
    }

    /// The kind whose schema fits the keys of `tree` best: fewest unknown top-level keys, then fewest required keys
    /// missing, then the order of `allCases`. Nil when the tree is not a mapping or no schema knows any of its keys.
    public static func detect(_ tree: JSONValue) -> ConfigKind? {
        var best: (kind: ConfigKind, unknown: Int, missing: Int)?
        for kind in allCases {
            guard let f = kind.fit(tree) else { continue }
            if best == nil || (f.unknown, f.missing) < (best!.unknown, best!.missing) { best = (kind, f.unknown, f.missing) }
        }
        return best?.kind
    }

    /// The kind `tree` is when it is plainly not `expected`: another kind knows strictly more of its keys (a typo in
    /// a file of the expected kind does not make it another kind).
    public static func other(than expected: ConfigKind, _ tree: JSONValue) -> ConfigKind? {
        guard let kind = detect(tree), kind != expected, let f = kind.fit(tree) else { return nil }
        guard let e = expected.fit(tree) else { return kind }
        return f.unknown < e.unknown ? kind : nil
    }
}

/// The parsed schemas of the config kinds (the base documents of pipeline and SFT dedup configs).
enum Validators {
    static let pipelineBase = make(EmbeddedSchemas.pipelineBase)
    static let train = make(EmbeddedSchemas.train)
    static let mix = make(EmbeddedSchemas.mix)
    static let sweep = make(EmbeddedSchemas.sweep)
    static let lab = make(EmbeddedSchemas.lab)
    static let sftDedup = make(EmbeddedSchemas.sftDedupBase)
    static let sftTemplate = make(EmbeddedSchemas.sftTemplate)

    static func make(_ text: String) -> SchemaValidator { SchemaValidator(schema: try! JSONParser.parse(text)) }
}
