import Foundation
import Segmentation

/// The text FTS5 sees, for chunks and for questions.
///
/// The index uses FTS5's `unicode61` tokenizer (case folded, diacritics removed), which splits at anything that is not
/// a letter or digit. That is right for spaced scripts, but a run of Chinese characters would be one token. Text with
/// Chinese, Japanese, Thai, Khmer, Lao or Burmese is therefore segmented first with ICU's dictionary word break
/// iterator (the project's `WordSegmenter`, the one dedup and tokenization use) and indexed as its words joined by
/// spaces. FTS5's `trigram` tokenizer was the other option; it was not taken because most Chinese words have two
/// characters and a trigram index cannot match a term shorter than three, because BM25 over trigrams weighs
/// character overlaps rather than words, and because a trigram index holds about one term per character.
public enum IndexText {
    /// FTS5 tokenizer declaration of the index.
    public static let ftsTokenizer = "unicode61 remove_diacritics 2"

    /// The text indexed for a chunk: the chunk itself, or its ICU words joined by spaces for spaceless scripts.
    public static func body(_ text: String) -> String {
        guard WordSegmenter.hasSpacelessScript(text) else { return text }
        return WordSegmenter.words(of: text).joined(separator: " ")
    }

    /// The distinct words of a question, lowercased, in order of first appearance (ICU words).
    public static func terms(_ question: String) -> [String] {
        var seen = Set<String>()
        var out = [String]()
        for w in WordSegmenter.words(of: question) {
            let t = w.lowercased()
            if seen.insert(t).inserted { out.append(t) }
        }
        return out
    }

    /// An FTS5 MATCH expression that matches a chunk holding any of `terms`: each term quoted (a term unicode61 splits
    /// in two, such as `don't`, becomes a phrase) and joined with OR, so BM25 ranks by how many and how rare.
    public static func matchExpression(_ terms: [String]) -> String {
        terms.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " OR ")
    }
}
