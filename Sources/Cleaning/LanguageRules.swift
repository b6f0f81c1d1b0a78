import DomainForgeCore

/// Built-in per-language defaults of the filter stages, used for documents whose language (`metadata.language`,
/// or the CJK script share, see `DocumentLanguage`) has an entry here. English and undetected documents keep the
/// stages' own defaults. A pipeline overrides them per stage with `languages: {zh: {...}}`.
///
/// Source of the Gopher and FineWeb thresholds and stop words: FineWeb-2, repository `huggingface/fineweb-2`,
/// files `configs/cmn_Hani.yml`, `configs/jpn_Jpan.yml`, `configs/kor_Hang.yml` and `fineweb-2-pipeline.py`
/// (Penedo et al. 2025, arXiv 2506.20920), Apache License 2.0. As in that pipeline, Gopher repetition's paragraph
/// rules and `dup_line_char_frac` are off, FineWeb's `short_line_thr` is off, `char_duplicates_ratio` is 0.1,
/// `min_stop_words` is 2 and `max_non_alpha_words_ratio` (datatrove's name) is our `min_alpha_words_ratio`.
///
/// Not from FineWeb-2 (it runs neither C4 line rules nor a length filter; our estimates, documented in README):
/// - `c4_lines` for zh and ja counts characters per line (`min_chars_per_line` 5: C4's 3 words at about 1.5
///   characters per Chinese word) instead of words;
/// - `length` `min_chars`: the English 200 characters are about 35 words (5.7 characters per word with its
///   space); 35 words are about 50 Chinese or Japanese characters and about 100 Korean ones.
public enum LanguageRules {
    /// Languages with built-in rules.
    public static let languages = ["zh", "ja", "ko"]

    /// The built-in options of stage `type` for base language `language`, or nil when there are none.
    public static func defaults(stage type: String, language: String) -> [String: JSONValue]? {
        table[language]?[type]
    }

    static let table: [String: [String: [String: JSONValue]]] = [
        "zh": rules(dupLineFrac: 0.287, top: [2: 0.256, 3: 0.201, 4: 0.171],
                    dup: [5: 0.198, 6: 0.182, 7: 0.167, 8: 0.154, 9: 0.14, 10: 0.127],
                    linePunct: 0.106, newLine: 0.178, avgWord: (1, 5), alpha: 0.735, stopWords: chineseStopWords,
                    minChars: 50, unspaced: true),
        "ja": rules(dupLineFrac: 0.328, top: [2: 0.239, 3: 0.196, 4: 0.172],
                    dup: [5: 0.243, 6: 0.225, 7: 0.207, 8: 0.19, 9: 0.175, 10: 0.159],
                    linePunct: 0.096, newLine: 0.13, avgWord: (1, 6), alpha: 0.759, stopWords: japaneseStopWords,
                    minChars: 50, unspaced: true),
        "ko": rules(dupLineFrac: 0.374, top: [2: 0.282, 3: 0.228, 4: 0.185],
                    dup: [5: 0.201, 6: 0.184, 7: 0.168, 8: 0.154, 9: 0.14, 10: 0.127],
                    linePunct: 0.062, newLine: 0.196, avgWord: (1, 6), alpha: 0.791, stopWords: koreanStopWords,
                    minChars: 100, unspaced: false),
    ]

    /// FineWeb-2 `cmn_Hani.yml` stop words.
    static let chineseStopWords = ["的", "年", "在", "月", "是", "和", "日", "了", "於", "·", "為", "有", "被", "人",
                                   "中", "为", "他", "與", "後", "也", "而", "由"]
    /// FineWeb-2 `jpn_Jpan.yml` stop words.
    static let japaneseStopWords = ["の", "に", "を", "は", "た", "て", "が", "と", "で", "年", "し", "・", "月", "れ", "さ"]
    /// FineWeb-2 `kor_Hang.yml` stop words.
    static let koreanStopWords = ["의", "다", "이", "는", "에", "을", "한", "년", "하", "은", "를", "했", "고", "에서",
                                  "가", "있", "으로", "인", "월", "로", "되"]

    // swiftlint:disable:next function_parameter_count
    private static func rules(dupLineFrac: Double, top: [Int: Double], dup: [Int: Double], linePunct: Double,
                              newLine: Double, avgWord: (Double, Double), alpha: Double, stopWords: [String],
                              minChars: Int, unspaced: Bool) -> [String: [String: JSONValue]] {
        func grams(_ m: [Int: Double]) -> JSONValue { .object(Dictionary(uniqueKeysWithValues: m.map { ("\($0.key)", .double($0.value)) })) }
        var c4: [String: JSONValue] = [:]
        if unspaced { c4 = ["min_words_per_line": .null, "min_chars_per_line": .int(5)] }
        return [
            "gopher_repetition": ["dup_line_frac": .double(dupLineFrac), "dup_para_frac": .null, "dup_para_char_frac": .null,
                                  "dup_line_char_frac": .null, "top_n_grams": grams(top), "dup_n_grams": grams(dup)],
            "fineweb": ["line_punct_thr": .double(linePunct), "new_line_ratio": .double(newLine), "short_line_thr": .null,
                        "char_duplicates_ratio": .double(0.1)],
            "gopher_quality": ["min_avg_word_length": .double(avgWord.0), "max_avg_word_length": .double(avgWord.1),
                               "min_alpha_words_ratio": .double(alpha), "min_stop_words": .int(2),
                               "stop_words": .array(stopWords.map { .string($0) })],
            "c4_lines": c4,
            "length": ["min_chars": .int(Int64(minChars))],
        ]
    }
}
