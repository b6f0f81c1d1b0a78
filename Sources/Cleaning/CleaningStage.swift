import DomainForgeCore

/// A cleaning stage as a config names it: its `type`, its ``StageOptions``, and how it is built from a config's
/// options object. A conforming type is registered with one line in the stage registry (`StageRegistry` in
/// PipelineRunner) and is then accepted by `pipeline run`, listed by `pipeline validate`, checked against its schema
/// schema and run through the stage conformance verifier.
///
/// Option keys are checked before decoding, so a typo is an error naming the key and listing the allowed ones. A
/// `type` key inside the options is ignored; `null` or `{}` gives the defaults.
public protocol CleaningStage: DocumentStage {
    associatedtype Options: StageOptions
    /// The config `type`, e.g. `gopher_quality`.
    static var type: String { get }
    /// The JSON Schema of the options (description, types, ranges, meaning of each key), declared beside them; the
    /// defaults are `Options()`'s.
    static var schema: StageSchema { get }
    /// Config keys accepted besides the options' own (the filters' `languages`).
    static var extraOptionKeys: [String] { get }
    /// The stage with decoded options.
    init(options: Options) throws
    /// The stage from a config's options object (null: the defaults). Throws ``CleaningConfigError``.
    static func make(options: JSONValue) throws -> Self
}

extension CleaningStage {
    public static var extraOptionKeys: [String] { [] }

    public static func make(options: JSONValue) throws -> Self {
        try Self(options: CleaningStageFactory.decode(Options.self, type: type, options))
    }
}

extension LanguageAwareStage {
    public static var extraOptionKeys: [String] { [CleaningStageFactory.languagesKey] }

    public static func make(options: JSONValue) throws -> Self {
        try CleaningStageFactory.makeRouted(Self.self, type: type, options)
    }
}

extension OptionSchema.Keyed {
    /// The filters' `languages` option (see ``CleaningStageFactory``).
    public static var languages: Self {
        .custom(CleaningStageFactory.languagesKey, #"{"type": ["object", "null"], "additionalProperties": {"type": "object"}}"#,
                "Per-language options: {<code>: {options}} for documents whose metadata.language (or detected CJK script) is "
                + "that code or its base language (zh-Hant, zh). Built-in FineWeb-2 rules for zh, ja, ko are the starting point; "
                + "other languages start from this stage's options.")
    }
}
