/// How `minhash_dedup` and `decontaminate` split a document written without spaces between words (Chinese,
/// Japanese, Thai, Lao, Khmer, Burmese) into the tokens their shingles and n-grams are made of (option
/// `cjk_shingle`). Other documents, English among them, always use `TextKit`'s words. Defaults: `chars` for
/// `minhash_dedup` (higher recall and precision on Chinese near-duplicates at `ngram: 5`, see the README's measured
/// figures), `words` for `decontaminate` (its 13-gram is meant as words: about 20 Chinese characters, where 13
/// characters are a short, common phrase).
public enum CJKShingle: String, Codable, Sendable, CaseIterable {
    /// Words from ICU's dictionary segmenter (`WordSegmenter`), the words the cleaning rules count; n-grams of
    /// `ngram` words.
    case words
    /// One token per character, n-grams of `cjk_char_ngram` characters (with `cjk_char_ngram` equal to `ngram`,
    /// the behaviour before ICU words were used here).
    case chars
}
