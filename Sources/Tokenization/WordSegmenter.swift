import CUnicodeICU

/// Word segmentation for scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) through
/// ICU's word break iterator (`ubrk_open(UBRK_WORD, ...)`, dictionary-based for these scripts).
public enum WordSegmenter {
    /// Whether `cp` belongs to a script written without spaces between words (Han ideographs of every CJK block
    /// and extension, kana, bopomofo, Thai, Lao, Khmer, Myanmar). Hangul is not: Korean separates words by spaces.
    public static func isSpaceless(_ cp: UInt32) -> Bool {
        switch cp {
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF: return true        // Thai, Lao, Myanmar, Khmer
        case 0x2E80...0x2FDF, 0x3040...0x30FF, 0x3100...0x312F, 0x31A0...0x31FF: return true  // radicals, kana, bopomofo
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xFF66...0xFF9D: return true  // ideographs, half-width kana
        case 0x20000...0x323AF: return true                                           // CJK extensions B to I (and H)
        default: return false
        }
    }

    /// Whether `text` contains a scalar of a spaceless script.
    public static func hasSpacelessScript(_ text: String) -> Bool {
        text.unicodeScalars.contains { isSpaceless($0.value) }
    }

    /// The word segments of `text` (ICU rule status of a word: letters, numbers, kana or ideographs), in order;
    /// spaces and punctuation between them are left out.
    public static func words(_ text: String) -> [Substring] {
        let units = Array(text.utf16)
        if units.isEmpty { return [] }
        var ends = [Int32](repeating: 0, count: units.count + 1), statuses = [Int32](repeating: 0, count: units.count + 1)
        let n = units.withUnsafeBufferPointer { u in
            dficu_word_segments(u.baseAddress, Int32(u.count), &ends, &statuses, Int32(units.count + 1))
        }
        guard n > 0 else { return [text[...]] }
        var out = [Substring](), start = 0
        for k in 0..<Int(n) {
            let end = Int(ends[k])
            if statuses[k] >= 100, let a = index(text, start), let b = index(text, end) { out.append(text[a..<b]) }
            start = end
        }
        return out
    }

    /// The String index at UTF-16 offset `offset` (nil inside a surrogate pair, which ICU never reports).
    private static func index(_ text: String, _ offset: Int) -> String.Index? {
        text.utf16.index(text.utf16.startIndex, offsetBy: offset).samePosition(in: text.unicodeScalars)
    }
}
