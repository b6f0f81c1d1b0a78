extension WordSegmenter {
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
}
