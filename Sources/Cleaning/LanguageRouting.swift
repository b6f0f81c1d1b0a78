import DomainForgeCore
import Segmentation

/// A filter stage with per-language variants (`languages:` in its options, plus ``LanguageRules``).
///
/// The configured stage handles English and documents without a detected language exactly as before; a document
/// whose language (``DocumentLanguage/resolve(_:)``) is not English goes to the variant for its code (`zh-Hant`),
/// else for its base language (`zh`), else to the `*` variant: the configured options with words from the ICU
/// word segmenter.
public protocol LanguageAwareStage: CleaningStage {
    /// A stage with `options`; `language` nil keeps the English code path, a code turns on segmented words.
    init(options: Options, language: String?)
    /// The options it was made with.
    var options: Options { get }
    /// Variants by language code (and `*`); empty in the variants themselves.
    var languageStages: [String: Self] { get set }
}

/// Picks a stage's per-language variant for a document.
enum LanguageRouting {
    /// Key of the variant for languages without rules of their own.
    static let fallbackKey = "*"

    /// The variant that judges `document`, or nil for the configured (English) path.
    static func pick<S>(_ stages: [String: S], _ document: Document) -> S? {
        guard !stages.isEmpty, let code = ScriptShareCache.resolve(document) else { return nil }
        if let exact = stages[code] { return exact }
        let base = DocumentLanguage.base(code)
        if base == "en" { return nil }
        return stages[base] ?? stages[fallbackKey]
    }
}
