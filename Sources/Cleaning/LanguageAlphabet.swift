import Segmentation

/// The letters beyond ASCII that the language-ID model's Latin- and Cyrillic-script languages write, after their
/// standard orthographies (Dutch and Italian with the accents their spelling rules allow, Portuguese with the
/// pre-1990 Brazilian `ü`). A text the model gives to one of these languages but that keeps using other letters
/// (Swedish `å` taken for German, Turkish `ğ ı ş` for Spanish, Ukrainian `і ї є` for Russian, Vietnamese `ơ ư đ`
/// for Portuguese) is in a language the model does not know.
enum LanguageAlphabet {
    /// Lower-case letters beyond ASCII per language (upper case is added).
    static let extraLetters: [String: String] = [
        "en": "",
        "de": "äöüß",
        "fr": "àâæçéèêëîïôœùûüÿ",
        "es": "áéíñóúü",
        "it": "àèéìíîòóùú",
        "pt": "áâãàçéêíóôõúü",
        "nl": "áàâäéèêëíìîïóòôöúùûüĳ",
        "pl": "ąćęłńóśźż",
        "cs": "áčďéěíňóřšťúůýž",
        "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ]

    /// Letters (both cases) that `language`'s alphabet holds beyond ASCII, or nil for a language without an entry.
    static func letters(of language: String) -> Set<UInt32>? {
        guard let extra = extraLetters[language] else { return nil }
        var set = Set<UInt32>()
        for c in extra.unicodeScalars {
            set.insert(c.value)
            for u in String(c).uppercased().unicodeScalars { set.insert(u.value) }
        }
        return set
    }

    /// Letters outside the alphabet mean another language when they are at least `minOutside` and this share of
    /// the script's letters, and spread over at least `minWordsOutside` different words: a name or loanword
    /// (Sjögren, Ménière, Grüße) repeated in a paragraph is one word, while Swedish or Turkish text uses its letters
    /// in word after word.
    static let maxOutsideShare = 0.005
    static let minOutside = 2
    static let minWordsOutside = 3

    /// Whether at least `count` different words of UTF-8 `text` hold a letter of `script` beyond ASCII that
    /// `alphabet` lacks. Words are runs of letters (and apostrophes) of two letters or more (a letter standing alone is
    /// a table entry or a symbol, as in a table of a charset's characters); they are compared by their bytes.
    static func wordsOutside(_ text: UnsafeBufferPointer<UInt8>, _ alphabet: Set<UInt32>, _ script: WritingScript,
                             atLeast count: Int) -> Bool {
        var words = Set<[UInt8]>()
        var start = 0, foreign = false, letters = 0
        var i = 0
        let n = text.count
        func endWord(_ end: Int) {
            if foreign && letters >= 2 { words.insert(Array(text[start..<end])) }
            foreign = false
            letters = 0
        }
        while i < n {
            let (v, length) = DocumentLanguage.scalar(text, i, n)
            let step = max(length, 1)
            let letter = length > 0 && (v < 0x80 ? (v | 0x20) &- 0x61 < 26 || v == 0x27 : AlphabeticTable.isAlphabetic(v))
            if !letter {
                endWord(i)
                start = i + step
            } else {
                letters += 1
                if v >= 0xC0 && WritingScript.of(v) == script && !alphabet.contains(v) { foreign = true }
            }
            i += step
            if words.count >= count { return true }
        }
        endWord(n)
        return words.count >= count
    }
}
