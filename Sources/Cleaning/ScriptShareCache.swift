import DomainForgeCore
import Foundation
import Segmentation

/// The last text prefix judged by script share on this thread and its language: the per-language stages each ask
/// for the language of the same document one after another (`LanguageRouting`), and comparing the prefix bytes
/// costs far less than decoding and classifying them again. The answer is `DocumentLanguage.resolve`'s.
final class ScriptShareCache {
    private var prefix: [UInt8] = []
    private var verdict: String?

    private static let perThread = PerThread { ScriptShareCache() }

    /// This thread's cache.
    static var current: ScriptShareCache { perThread.value }

    /// `DocumentLanguage.resolve(document)`, the script share taken from this thread's cache when the text's
    /// prefix is the one judged last.
    static func resolve(_ document: Document) -> String? {
        if case .string(let code)? = document.metadata[DocumentLanguage.metadataKey], !code.isEmpty { return code }
        var text = document.text
        return text.withUTF8 { p in
            let scanned = UnsafeBufferPointer(rebasing: p[0..<min(p.count, DocumentLanguage.scanLimit)])
            let cache = current
            if scanned.count == cache.prefix.count, scanned.count > 0,
               cache.prefix.withUnsafeBufferPointer({ memcmp($0.baseAddress!, scanned.baseAddress!, scanned.count) == 0 }) {
                return cache.verdict
            }
            let verdict = DocumentLanguage.detectCJK(scanned)
            cache.prefix.removeAll(keepingCapacity: true)
            cache.prefix.append(contentsOf: scanned)
            cache.verdict = verdict
            return verdict
        }
    }
}
