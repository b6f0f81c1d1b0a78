import DomainForgeCore

/// The language a document is judged as, for per-language rules and per-language dedup.
///
/// The rule, in order:
/// 1. `metadata.language` when it is a non-empty string (the `language_id` stage writes ISO 639-1 codes such as
///    `en`, `zh`, `ja`, `zh-Hant`);
/// 2. otherwise the script share: when Han, kana and Hangul make up at least half of the alphabetic characters
///    (`cjkShare`, 0.5), the document is `ko` if Hangul outnumbers Han and kana together, `ja` if kana are at
///    least a fifth of them (`kanaShare`: Japanese prose is mostly kana, Chinese has none), else `zh`;
/// 3. otherwise nil: the document keeps today's (English) rules.
/// Only the first `scanLimit` bytes are looked at; a prefix without a CJK lead byte is decided without decoding.
public enum DocumentLanguage {
    /// The metadata key the `language_id` stage writes.
    public static let metadataKey = "language"
    /// Share of alphabetic characters that must be CJK for step 2.
    public static let cjkShare = 0.5
    /// Share of the CJK characters that must be kana for Japanese.
    public static let kanaShare = 0.2
    /// Bytes of text the script share looks at.
    public static let scanLimit = 8_192

    /// The document's language code (see the type's rule), or nil for "no language-specific rules".
    public static func resolve(_ document: Document) -> String? {
        if case .string(let code)? = document.metadata[metadataKey], !code.isEmpty { return code }
        return detectCJK(document.text)
    }

    /// `zh`, `ja` or `ko` when the text is mostly written in CJK scripts, else nil.
    public static func detectCJK(_ text: String) -> String? {
        var copy = text
        return copy.withUTF8 { detectCJK($0) }
    }

    /// `detectCJK` over UTF-8 bytes.
    public static func detectCJK(_ p: UnsafeBufferPointer<UInt8>) -> String? {
        let n = min(p.count, scanLimit)
        var i = 0
        // Kana, CJK punctuation, Han and Hangul start with a byte in E3...ED (F0 for Han extension B on): without one
        // there is nothing to count (English with curly quotes or dashes, E2, stays on this fast path).
        while i < n && !((p[i] >= 0xE3 && p[i] <= 0xED) || p[i] == 0xF0) { i += 1 }
        if i == n { return nil }
        var counts = ScriptCounts()
        i = 0
        while i < n {
            // Eight ASCII bytes at a time: only their letters count.
            if i + 8 <= n {
                let w = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self)
                if w & 0x8080_8080_8080_8080 == 0 {
                    counts.letters += asciiLetters(w)
                    i += 8
                    continue
                }
            }
            // E4 B8 and up to E9 begin U+4E00-U+9FFF, all Han ideographs: most of a Chinese text, counted undecoded.
            if p[i] &- 0xE4 < 6, i + 2 < n, p[i] != 0xE4 || p[i + 1] >= 0xB8, p[i + 1] & 0xC0 == 0x80,
               p[i + 2] & 0xC0 == 0x80 {
                counts.han += 1
                counts.letters += 1
                i += 3
                continue
            }
            let (v, length) = scalar(p, i, n)
            if length == 0 { i += 1; continue }
            counts.add(v)
            i += length
        }
        return counts.verdict()
    }

    /// ASCII letters among the eight ASCII bytes of `w`: a byte is a letter when, with bit 5 set (lower case), it
    /// lies in `a...z`, tested for all bytes at once (adding 0x1F sets the high bit from `a` up, adding 0x05 from
    /// `{` up; no byte carries into the next since all are below 0x80).
    @inlinable @inline(__always)
    public static func asciiLetters(_ w: UInt64) -> Int {
        let x = w | 0x2020_2020_2020_2020
        let fromA = x &+ 0x1F1F_1F1F_1F1F_1F1F, pastZ = x &+ 0x0505_0505_0505_0505
        return (fromA & ~pastZ & 0x8080_8080_8080_8080).nonzeroBitCount
    }

    /// The scalar starting at `p[i]` and its length in bytes, or length 0 when the bytes there (before `n`) are not
    /// a well-formed UTF-8 sequence: a stray byte, or a sequence cut by the scan limit. Decoded by hand, since the
    /// script share reads every character of every non-English document (the standard library's decoder cost
    /// about 5% of Chinese cleaning).
    @inlinable @inline(__always)
    public static func scalar(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int) -> (UInt32, Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (b0, 1) }
        @inline(__always) func tail(_ k: Int) -> UInt32? {
            guard i + k < n, p[i + k] & 0xC0 == 0x80 else { return nil }
            return UInt32(p[i + k] & 0x3F)
        }
        switch b0 {
        case 0xC2...0xDF:
            guard let b1 = tail(1) else { return (0, 0) }
            return ((b0 & 0x1F) << 6 | b1, 2)
        case 0xE0...0xEF:
            guard let b1 = tail(1), let b2 = tail(2) else { return (0, 0) }
            let v = (b0 & 0x0F) << 12 | b1 << 6 | b2
            // Overlong forms and UTF-16 surrogates are not scalars.
            guard v >= 0x800, !(0xD800...0xDFFF).contains(v) else { return (0, 0) }
            return (v, 3)
        case 0xF0...0xF4:
            guard let b1 = tail(1), let b2 = tail(2), let b3 = tail(3) else { return (0, 0) }
            let v = (b0 & 0x07) << 18 | b1 << 12 | b2 << 6 | b3
            guard v >= 0x10000, v <= 0x10FFFF else { return (0, 0) }
            return (v, 4)
        default:
            return (0, 0)
        }
    }

    /// The base language of a code: `zh-Hant` → `zh`, `EN` → `en`.
    public static func base(_ code: String) -> String {
        let head = code.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? code
        return head.lowercased()
    }

    /// Languages written without spaces between words, where a line's length is measured in characters.
    public static let unspacedLanguages: Set<String> = ["zh", "ja", "th", "lo", "km", "my"]

    /// True for a language written without spaces between words (`zh`, `ja`, `th`, `lo`, `km`, `my`).
    public static func writesWithoutSpaces(_ code: String) -> Bool { unspacedLanguages.contains(base(code)) }

    /// Per-script tallies of alphabetic characters.
    struct ScriptCounts {
        var letters = 0, han = 0, kana = 0, hangul = 0

        mutating func add(_ v: UInt32) {
            if v < 0x80 {
                if (v | 0x20) &- 0x61 < 26 { letters += 1 }
                return
            }
            switch v {
            case 0x3041...0x3096, 0x309D...0x309F, 0x30A1...0x30FA, 0x30FD...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9D:
                kana += 1
            case 0x1100...0x11FF, 0x3131...0x318E, 0xAC00...0xD7A3: hangul += 1
            case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3134F: han += 1
            default:
                guard AlphabeticTable.isAlphabetic(v) else { return }
            }
            letters += 1
        }

        func verdict() -> String? {
            let cjk = han + kana + hangul
            guard cjk > 0, Double(cjk) >= DocumentLanguage.cjkShare * Double(letters) else { return nil }
            if hangul > han + kana { return "ko" }
            if Double(kana) >= DocumentLanguage.kanaShare * Double(cjk) { return "ja" }
            return "zh"
        }
    }
}
