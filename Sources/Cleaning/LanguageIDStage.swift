import DomainForgeCore

/// Tags each document's language (`language_id`): writes `metadata.language` (ISO 639-1, `zh-Hant`, or `und`)
/// and `metadata.language_score` (0...1, rounded to 4 decimals), then filters.
///
/// - `languages` (allow-list, default none): a document in another language is dropped as `language_not_allowed`.
///   An entry `zh` also admits `zh-Hant`.
/// - `min_score` (number or `{default: 0.5, zh: 0.69}`, default 0): a lower score is dropped as
///   `language_score_too_low`.
/// - Text with no detectable language (fewer than two letters: digits, punctuation, symbols), or written mainly in
///   a script that none of the model's languages uses and several languages share (Arabic, Devanagari, ...), is
///   `und`; a script of one language (Hangul, Greek, Thai, ...) gives that language (``LanguageIdentifier``). `und`
///   is dropped as `language_undetermined` only when an allow-list is given; otherwise it is kept with `und` and no
///   score check.
/// - `model` (default: the shipped model): a file written by `pipeline langid train`.
///
/// Counts every detected label in `language_<label>` counters.
public struct LanguageIDStage: CleaningStage {
    public static let type = "language_id"
    public var name: String { Self.type }

    public struct Options: StageOptions {
        public var languages: [String]? = nil
        public var minScore = LanguageScoreThresholds()
        public var model: String? = nil

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case languages
            case minScore = "min_score"
            case model
        }

        public func validate() throws {
            try StageOptionError.require(!(languages ?? []).contains(where: \.isEmpty), CodingKeys.languages, "an empty language code")
        }
    }

    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("Language identification (byte 1-4-gram naive Bayes, shipped model trained on Debian man pages): writes metadata.language (ISO 639-1, zh-Hant, or und) and metadata.language_score (0-1). Drops language_not_allowed, language_score_too_low, and language_undetermined (only with an allow-list; text with fewer than two letters is und).", keys: Options.CodingKeys.self, [
        .custom(.languages, #"{"type": ["array", "null"], "items": {"type": "string", "minLength": 1}}"#, "Allow-list of language codes (zh also admits zh-Hant); other languages are dropped as language_not_allowed, und as language_undetermined. null keeps every language, und included."),
        .custom(.minScore, #"{"type": ["number", "object"], "oneOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "object", "properties": {"default": {"type": "number", "minimum": 0, "maximum": 1}}, "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}}]}"#, "Minimum language_score, one number or {default: 0.5, zh: 0.69} per language (a label is looked up as written, then by its base language); lower scores are dropped as language_score_too_low. und is not checked."),
        .string(.model, nullable: true, "Path of a model written by 'pipeline langid train'; null uses the shipped model."),
    ])

    public let options: Options
    public let identifier: LanguageIdentifier
    private let allowed: Set<String>?

    /// Loads the model (`options.model`, or the shipped one); throws `LanguageModelError` if it is unusable.
    public init(options: Options = .init()) throws(LanguageModelError) {
        let identifier: LanguageIdentifier
        if let path = options.model {
            identifier = LanguageIdentifier(model: try LanguageModel.load(path: path))
        } else {
            identifier = try Self.bundledIdentifier.get()
        }
        self.init(options: options, identifier: identifier)
    }

    /// Uses an already loaded identifier.
    public init(options: Options, identifier: LanguageIdentifier) {
        self.options = options
        self.identifier = identifier
        allowed = options.languages.map(Set.init)
    }

    /// The shipped model, loaded once per process.
    static let bundledIdentifier: Result<LanguageIdentifier, LanguageModelError> = Result { () throws(LanguageModelError) in
        LanguageIdentifier(model: try LanguageModel.bundled())
    }

    public func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        let result = identifier.identify(document.text)
        document.metadata["language"] = .string(result.language)
        document.metadata["language_score"] = .double((result.score * 10_000).rounded() / 10_000)
        counters.add("language_\(result.language)")
        return verdict(result)
    }

    func verdict(_ result: LanguageIdentifier.Result) -> StageVerdict {
        if result.language == LanguageIdentifier.undetermined {
            return allowed == nil ? .keep : .drop(reason: "language_undetermined")
        }
        if let allowed, !isAllowed(result.language, allowed) { return .drop(reason: "language_not_allowed") }
        if result.score < options.minScore.threshold(for: result.language) { return .drop(reason: "language_score_too_low") }
        return .keep
    }

    func isAllowed(_ label: String, _ allowed: Set<String>) -> Bool {
        if allowed.contains(label) { return true }
        guard let dash = label.firstIndex(of: "-") else { return false }
        return allowed.contains(String(label[..<dash]))
    }
}
