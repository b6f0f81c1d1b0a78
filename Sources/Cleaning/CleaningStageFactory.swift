import DomainForgeCore
import Segmentation
import Foundation

/// A configuration error for a cleaning stage: what the user wrote, and what would have been accepted.
public enum CleaningConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownStageType(type: String, known: [String])
    case optionsNotAnObject(type: String, got: String)
    case unknownOption(type: String, key: String, allowed: [String])
    case invalidOption(type: String, key: String, message: String)

    public var description: String {
        switch self {
        case .unknownStageType(let type, let known):
            return "unknown cleaning stage type '\(type)'; known types: \(known.joined(separator: ", "))"
        case .optionsNotAnObject(let type, let got):
            return "stage '\(type)': options must be an object, got \(got)"
        case .unknownOption(let type, let key, let allowed):
            return "stage '\(type)': unknown option '\(key)'; allowed options: \(allowed.joined(separator: ", "))"
        case .invalidOption(let type, let key, let message):
            return "stage '\(type)': invalid option '\(key)': \(message)"
        }
    }
}

/// Builds cleaning stages from their config `type` and a JSON object of options.
///
/// ```swift
/// let stage = try CleaningStageFactory.make(type: "gopher_quality", options: .object(["min_doc_words": .int(30)]))
/// ```
/// Option keys are checked against the stage's `Options.CodingKeys` before decoding, so a typo is an error that
/// names the key and lists the allowed ones. A `type` key inside `options` is ignored (configs may pass the whole
/// stage object). `null` or an empty object gives the published defaults.
///
/// The filter stages (`c4_lines`, `length`, `gopher_quality`, `gopher_repetition`, `fineweb`) also take
/// `languages: {<code>: {options}}`: a document of that language (`metadata.language`, or detected CJK) is judged
/// with the language's built-in rules (``LanguageRules``) overlaid with these options; a language without built-in
/// rules starts from the stage's own options. Documents of other non-English languages use the stage's options
/// with ICU-segmented words. English and undetected documents take today's code path.
public enum CleaningStageFactory {
    /// The config `type` of every cleaning stage, in the order they usually run.
    public static let stageTypes: [String] = [
        NormalizeStage.type, C4LinesStage.type, LengthFilter.type, GopherQualityFilter.type,
        GopherRepetitionFilter.type, C4DocumentFilter.type, FineWebFilter.type, PIIRedactor.type, LanguageIDStage.type,
    ]

    /// The option of the filter stages holding per-language options.
    public static let languagesKey = "languages"

    /// The option keys a stage type accepts (its `Options.CodingKeys`), or nil for an unknown type.
    public static func optionKeys(for type: String) -> [String]? {
        switch type {
        case NormalizeStage.type: return NormalizeStage.Options.optionKeys
        case C4LinesStage.type: return C4LinesStage.Options.optionKeys + [languagesKey]
        case LengthFilter.type: return LengthFilter.Options.optionKeys + [languagesKey]
        case GopherQualityFilter.type: return GopherQualityFilter.Options.optionKeys + [languagesKey]
        case GopherRepetitionFilter.type: return GopherRepetitionFilter.Options.optionKeys + [languagesKey]
        case C4DocumentFilter.type: return C4DocumentFilter.Options.optionKeys
        case FineWebFilter.type: return FineWebFilter.Options.optionKeys + [languagesKey]
        case PIIRedactor.type: return PIIRedactor.Options.optionKeys
        case LanguageIDStage.type: return LanguageIDStage.Options.optionKeys
        default: return nil
        }
    }

    /// Makes the stage `type` with `options` (a JSON object, or null for defaults).
    public static func make(type: String, options: JSONValue) throws -> any DocumentStage {
        switch type {
        case NormalizeStage.type:
            return NormalizeStage(options: try decode(NormalizeStage.Options.self, type: type, options))
        case C4LinesStage.type:
            return try makeRouted(C4LinesStage.self, type: type, options)
        case LengthFilter.type:
            return try makeRouted(LengthFilter.self, type: type, options)
        case GopherQualityFilter.type:
            return try makeRouted(GopherQualityFilter.self, type: type, options)
        case GopherRepetitionFilter.type:
            return try makeRouted(GopherRepetitionFilter.self, type: type, options)
        case C4DocumentFilter.type:
            return C4DocumentFilter(options: try decode(C4DocumentFilter.Options.self, type: type, options))
        case FineWebFilter.type:
            return try makeRouted(FineWebFilter.self, type: type, options)
        case PIIRedactor.type:
            return PIIRedactor(options: try decode(PIIRedactor.Options.self, type: type, options))
        case LanguageIDStage.type:
            return try LanguageIDStage(options: try decode(LanguageIDStage.Options.self, type: type, options))
        default:
            throw CleaningConfigError.unknownStageType(type: type, known: stageTypes)
        }
    }

    /// A filter stage with its per-language variants (see the type's documentation).
    static func makeRouted<S: LanguageAwareStage>(_: S.Type, type: String, _ options: JSONValue) throws -> S {
        var object = try optionsObject(type: type, options)
        let overrides = try languageOverrides(type: type, object.removeValue(forKey: languagesKey))
        var stage = S(options: try decode(S.Options.self, type: type, .object(object)), language: nil)
        var variants = [String: S]()
        for code in Set(LanguageRules.languages).union(overrides.keys) {
            var merged = LanguageRules.defaults(stage: type, language: DocumentLanguage.base(code)) ?? object
            for (key, value) in overrides[code] ?? [:] { merged[key] = value }
            let variantType = "\(type) (languages.\(code))"
            variants[code] = S(options: try decode(S.Options.self, type: variantType, .object(merged)), language: code)
        }
        variants[LanguageRouting.fallbackKey] = S(options: stage.options, language: LanguageRouting.fallbackKey)
        do { try WordSegmenter.checkAvailable() } catch {
            throw CleaningConfigError.invalidOption(type: type, key: "languages", message: error.description)
        }
        stage.languageStages = variants
        return stage
    }

    /// The `languages` option: an object from language codes to option objects.
    static func languageOverrides(type: String, _ value: JSONValue?) throws -> [String: [String: JSONValue]] {
        guard let value, value != .null else { return [:] }
        guard case .object(let byCode) = value else {
            throw CleaningConfigError.invalidOption(type: type, key: "languages",
                message: "expected an object from language codes (zh, ja, zh-Hant) to options, got \(value.typeName)")
        }
        var out = [String: [String: JSONValue]]()
        for (code, options) in byCode {
            guard case .object(let o) = options else {
                throw CleaningConfigError.invalidOption(type: type, key: "languages.\(code)",
                    message: "expected an object of \(type) options, got \(options.typeName)")
            }
            out[code] = o
        }
        return out
    }

    static func optionsObject(type: String, _ options: JSONValue) throws -> [String: JSONValue] {
        switch options {
        case .null: return [:]
        case .object(let o): return o
        default: throw CleaningConfigError.optionsNotAnObject(type: type, got: options.typeName)
        }
    }

    static func decode<O: StageOptions>(_: O.Type, type: String, _ options: JSONValue) throws -> O {
        var object: [String: JSONValue]
        switch options {
        case .null: object = [:]
        case .object(let o): object = o
        default: throw CleaningConfigError.optionsNotAnObject(type: type, got: options.typeName)
        }
        object.removeValue(forKey: "type")
        let allowed = O.optionKeys
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw CleaningConfigError.unknownOption(type: type, key: key, allowed: allowed)
        }
        let data = Data(JSONValue.object(object).serialized().utf8)
        do {
            return try JSONDecoder().decode(O.self, from: data)
        } catch let error as DecodingError {
            throw describe(error, type: type)
        }
    }

    private static func describe(_ error: DecodingError, type: String) -> CleaningConfigError {
        func keyName(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let expected, let ctx):
            return .invalidOption(type: type, key: keyName(ctx.codingPath), message: "expected \(jsonName(expected))")
        case .valueNotFound(let expected, let ctx):
            return .invalidOption(type: type, key: keyName(ctx.codingPath), message: "expected \(jsonName(expected)), got null")
        case .keyNotFound(let key, let ctx):
            return .invalidOption(type: type, key: keyName(ctx.codingPath + [key]), message: "missing")
        case .dataCorrupted(let ctx):
            return .invalidOption(type: type, key: keyName(ctx.codingPath), message: ctx.debugDescription)
        @unknown default:
            return .invalidOption(type: type, key: "?", message: "\(error)")
        }
    }

    private static func jsonName(_ t: Any.Type) -> String {
        if t == Int.self { return "an integer" }
        if t == Double.self { return "a number" }
        if t == Bool.self { return "a boolean" }
        if t == String.self { return "a string" }
        return "\(t)"
    }
}

// MARK: - Options plumbing

/// What every stage's `Options` provides to the factory.
protocol StageOptions: Codable, Sendable, Equatable {
    /// The snake_case option keys (the CodingKeys' raw values).
    static var optionKeys: [String] { get }
}

extension KeyedDecodingContainer {
    /// The value for `key`, or `defaultValue` when the key is absent (null is an error).
    func value<T: Decodable>(_ key: Key, default defaultValue: T) throws -> T {
        contains(key) ? try decode(T.self, forKey: key) : defaultValue
    }

    /// A nullable option: absent → `defaultValue`, null → nil (the rule is off).
    func nullable<T: Decodable>(_ key: Key, default defaultValue: T?) throws -> T? {
        guard contains(key) else { return defaultValue }
        if try decodeNil(forKey: key) { return nil }
        return try decode(T.self, forKey: key)
    }

    /// A ratio in 0...1 (nullable when `defaultValue` may be nil).
    func ratio(_ key: Key, default defaultValue: Double?) throws -> Double? {
        let v: Double? = try nullable(key, default: defaultValue)
        if let v, !(v >= 0 && v <= 1) {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "must be between 0 and 1, got \(v)")
        }
        return v
    }

    /// A ratio in 0...1 that cannot be null.
    func ratio(_ key: Key, default defaultValue: Double) throws -> Double {
        let v: Double = try value(key, default: defaultValue)
        if !(v >= 0 && v <= 1) {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "must be between 0 and 1, got \(v)")
        }
        return v
    }

    /// A non-negative integer (nullable).
    func count(_ key: Key, default defaultValue: Int?) throws -> Int? {
        let v: Int? = try nullable(key, default: defaultValue)
        if let v, v < 0 {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "must be >= 0, got \(v)")
        }
        return v
    }

    /// A non-negative integer that cannot be null.
    func count(_ key: Key, default defaultValue: Int) throws -> Int {
        let v: Int = try value(key, default: defaultValue)
        if v < 0 {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "must be >= 0, got \(v)")
        }
        return v
    }
}
