import DomainForgeCore
import Segmentation
import Foundation

/// Builds cleaning stages from a config's options (shared by every ``CleaningStage``); the stage types themselves
/// are listed once, in the stage registry (`StageRegistry` in PipelineRunner).
///
/// The filter stages (`c4_lines`, `length`, `gopher_quality`, `gopher_repetition`, `fineweb`) also take
/// `languages: {<code>: {options}}`: a document of that language (`metadata.language`, or detected CJK) is judged
/// with the language's built-in rules (``LanguageRules``) overlaid with these options; a language without built-in
/// rules starts from the stage's own options. Documents of other non-English languages use the stage's options
/// with ICU-segmented words. English and undetected documents take today's code path.
public enum CleaningStageFactory {
    /// The option of the filter stages holding per-language options.
    public static let languagesKey = "languages"

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

    /// Decodes a stage's options (see ``StageOptionsDecoder``), with problems as ``CleaningConfigError``.
    public static func decode<O: StageOptions>(_: O.Type, type: String, _ options: JSONValue) throws(CleaningConfigError) -> O {
        do {
            return try StageOptionsDecoder.decode(O.self, options)
        } catch {
            switch error {
            case .notAnObject(let got): throw .optionsNotAnObject(type: type, got: got)
            case .unknownKey(let key, let allowed): throw .unknownOption(type: type, key: key, allowed: allowed)
            case .invalid(let key, let message): throw .invalidOption(type: type, key: key, message: message)
            }
        }
    }
}
