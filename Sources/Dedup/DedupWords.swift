import DomainForgeCore
import Segmentation

/// The tokens `minhash_dedup` shingles and `decontaminate` n-grams are made of, chosen per document.
///
/// A document is *unspaced* when its language (`DocumentLanguage.resolve`: `metadata.language`, else the CJK
/// script share, as the cleaning stages decide) is written without spaces (`zh`, `ja`, `th`, `lo`, `km`, `my`).
/// An unspaced document is split as `cjk` says: ICU words (`TextKit.scanSegmentedWords`) in n-grams of `ngram`,
/// or characters in n-grams of `cjkCharNgram`. Any other document is split into `TextKit` words in n-grams of
/// `ngram`, exactly as before the option existed, so English results do not change.
public struct DedupWords: Sendable, Equatable {
    /// How unspaced documents are split.
    public let cjk: CJKShingle
    /// Words per n-gram (every document in `words` mode, spaced documents in `chars` mode).
    public let ngram: Int
    /// Characters per n-gram of unspaced documents in `chars` mode.
    public let cjkCharNgram: Int

    public init(cjk: CJKShingle, ngram: Int, cjkCharNgram: Int?) {
        self.cjk = cjk
        self.ngram = ngram
        self.cjkCharNgram = cjkCharNgram ?? ngram
    }

    /// True when `document` is judged in a language written without spaces.
    public static func isUnspaced(_ document: Document) -> Bool {
        DocumentLanguage.resolve(document).map(DocumentLanguage.writesWithoutSpaces) ?? false
    }

    /// True when `text` (an eval item, which has no metadata) is mostly Chinese or Japanese by script share.
    public static func isUnspaced(text: String) -> Bool {
        DocumentLanguage.detectCJK(text).map(DocumentLanguage.writesWithoutSpaces) ?? false
    }

    /// The n-gram length for a document of this kind.
    public func gramLength(unspaced: Bool) -> Int { unspaced && cjk == .chars ? cjkCharNgram : ngram }

    /// Calls `body(startByte, endByte, hash)` for each token of the UTF-8 text `p`, in order.
    func scan(_ p: UnsafeBufferPointer<UInt8>, unspaced: Bool, _ body: (Int, Int, UInt64) -> Void) {
        if unspaced && cjk == .words { TextKit.scanSegmentedWords(p, body) } else { TextKit.scanWords(p, body) }
    }

    /// The token hashes of `text`.
    func wordHashes(_ text: String, unspaced: Bool) -> [UInt64] {
        guard unspaced && cjk == .words else { return TextKit.wordHashes(text) }
        var t = text
        var out = [UInt64]()
        t.withUTF8 { p in TextKit.scanSegmentedWords(p) { _, _, h in out.append(h) } }
        return out
    }

    /// Words added to the stage's index configuration: none for characters in n-grams of `ngram` (the behaviour
    /// before ICU words, and `minhash_dedup`'s default), so indexes built before stay usable.
    var configSuffix: String {
        switch cjk {
        case .words: return " cjk=words"
        case .chars: return cjkCharNgram == ngram ? "" : " cjk=chars:\(cjkCharNgram)"
        }
    }
}
