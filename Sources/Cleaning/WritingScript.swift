import Segmentation

/// The writing system of a letter, by Unicode block, for telling languages apart by script before (or instead of)
/// the n-gram model: a script used by one language only settles the language on its own (as CLD2 does for Greek,
/// Korean, Thai, Georgian and the other "one-language" scripts), and a script none of the model's languages is
/// written in means the model's answer would be a guess.
enum WritingScript: Int, CaseIterable, Sendable {
    case latin, cyrillic, greek, armenian, hebrew, arabic, thaana, devanagari, bengali, gurmukhi, gujarati, oriya,
         tamil, telugu, kannada, malayalam, sinhala, thai, lao, tibetan, myanmar, georgian, hangul, ethiopic, khmer,
         han, kana, other

    /// The script of the letter `v` (callers pass alphabetic scalars; anything outside the listed blocks is `other`).
    static func of(_ v: UInt32) -> WritingScript {
        if v < 0x80 { return .latin }
        switch v {
        case 0xC0...0x2AF, 0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF, 0xFF21...0xFF3A, 0xFF41...0xFF5A: return .latin
        case 0x370...0x3FF, 0x1F00...0x1FFF: return .greek
        case 0x400...0x52F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F: return .cyrillic
        case 0x530...0x58F, 0xFB13...0xFB17: return .armenian
        case 0x590...0x5FF, 0xFB1D...0xFB4F: return .hebrew
        case 0x600...0x6FF, 0x750...0x77F, 0x870...0x8FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF: return .arabic
        case 0x780...0x7BF: return .thaana
        case 0x900...0x97F, 0xA8E0...0xA8FF: return .devanagari
        case 0x980...0x9FF: return .bengali
        case 0xA00...0xA7F: return .gurmukhi
        case 0xA80...0xAFF: return .gujarati
        case 0xB00...0xB7F: return .oriya
        case 0xB80...0xBFF: return .tamil
        case 0xC00...0xC7F: return .telugu
        case 0xC80...0xCFF: return .kannada
        case 0xD00...0xD7F: return .malayalam
        case 0xD80...0xDFF: return .sinhala
        case 0xE00...0xE7F: return .thai
        case 0xE80...0xEFF: return .lao
        case 0xF00...0xFFF: return .tibetan
        case 0x1000...0x109F, 0xA9E0...0xA9FF, 0xAA60...0xAA7F: return .myanmar
        case 0x10A0...0x10FF, 0x1C90...0x1CBF, 0x2D00...0x2D2F: return .georgian
        case 0x1100...0x11FF, 0x3130...0x318F, 0xA960...0xA97F, 0xAC00...0xD7FF, 0xFFA0...0xFFDC: return .hangul
        case 0x1200...0x139F, 0x2D80...0x2DDF, 0xAB00...0xAB2F: return .ethiopic
        case 0x1780...0x17FF, 0x19E0...0x19FF: return .khmer
        case 0x3040...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F: return .kana
        case 0x2E80...0x2FDF, 0x3005...0x3007, 0x3021...0x3029, 0x3038...0x303B, 0x3100...0x312F, 0x31A0...0x31BF,
             0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x323AF:
            return .han
        default: return .other
        }
    }

    /// The language (ISO 639-1) of a script written by one language in practice; nil for shared scripts.
    var soleLanguage: String? {
        switch self {
        case .greek: "el"
        case .armenian: "hy"
        case .hebrew: "he"
        case .thaana: "dv"
        case .gurmukhi: "pa"
        case .gujarati: "gu"
        case .oriya: "or"
        case .tamil: "ta"
        case .telugu: "te"
        case .kannada: "kn"
        case .malayalam: "ml"
        case .sinhala: "si"
        case .thai: "th"
        case .lao: "lo"
        case .tibetan: "bo"
        case .myanmar: "my"
        case .georgian: "ka"
        case .hangul: "ko"
        case .khmer: "km"
        default: nil
        }
    }

    /// The script (raw value) of every letter of the Basic Multilingual Plane, `notALetter` for the rest: one load
    /// per character instead of a property look-up and a range search (language identification reads every one).
    static let bmpLetters: [UInt8] = (0..<0x10000).map { v -> UInt8 in
        guard let scalar = Unicode.Scalar(UInt32(v)), scalar.properties.isAlphabetic else { return notALetter }
        return UInt8(of(UInt32(v)).rawValue)
    }
    static let notALetter: UInt8 = 0xFF

    /// Letters per script in the first `DocumentLanguage.scanLimit` bytes of a text, with the letters of U+00C0 to
    /// U+04FF (accented Latin, Cyrillic) counted one by one, so that a language's alphabet can be checked.
    struct Tally {
        /// Letters per script (indexed by raw value).
        var scripts = [Int](repeating: 0, count: WritingScript.allCases.count)
        /// Letters of U+00C0 + i, for i below `extendedCount`.
        var extended = [Int32](repeating: 0, count: Tally.extendedCount)
        /// Latin letters above U+04FF (Latin Extended Additional, fullwidth, ...) and Cyrillic above U+04FF.
        var otherLatin = 0, otherCyrillic = 0
        var letters = 0
        /// The bytes tallied (the caller's buffer: valid while the tally is used inside `identify`).
        var text = UnsafeBufferPointer<UInt8>(start: nil, count: 0)

        static let extendedBase: UInt32 = 0xC0
        static let extendedCount = 0x500 - 0xC0

        /// The script with the most letters and its share of them; nil without letters.
        var main: (script: WritingScript, share: Double)? {
            guard letters > 0, let top = scripts.indices.max(by: { scripts[$0] < scripts[$1] }) else { return nil }
            return (WritingScript(rawValue: top)!, Double(scripts[top]) / Double(letters))
        }

        /// Letters of `script` (Latin or Cyrillic) beyond ASCII that are not in `alphabet`.
        func lettersOutside(_ alphabet: Set<UInt32>, in script: WritingScript) -> Int {
            var n = script == .latin ? otherLatin : otherCyrillic
            for (i, c) in extended.enumerated() where c > 0 {
                let v = Tally.extendedBase + UInt32(i)
                if WritingScript.of(v) == script && !alphabet.contains(v) { n += Int(c) }
            }
            return n
        }
    }

    /// The ``Tally`` of UTF-8 `bytes`.
    static func tally(_ bytes: UnsafeBufferPointer<UInt8>) -> Tally {
        let n = min(bytes.count, DocumentLanguage.scanLimit)
        var t = Tally()
        t.text = UnsafeBufferPointer(rebasing: bytes[0..<n])
        t.scripts.withUnsafeMutableBufferPointer { counts in
            t.extended.withUnsafeMutableBufferPointer { extended in
                bmpLetters.withUnsafeBufferPointer { table in
                    var i = 0
                    while i < n {
                        if i + 8 <= n {
                            let w = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
                            if w & 0x8080_8080_8080_8080 == 0 {
                                let k = DocumentLanguage.asciiLetters(w)
                                counts[WritingScript.latin.rawValue] += k
                                t.letters += k
                                i += 8
                                continue
                            }
                        }
                        let (v, length) = DocumentLanguage.scalar(bytes, i, n)
                        if length == 0 { i += 1; continue }
                        i += length
                        let script: Int
                        if v < 0x10000 {
                            let s = table[Int(v)]
                            guard s != notALetter else { continue }
                            script = Int(s)
                        } else {
                            guard AlphabeticTable.isAlphabetic(v) else { continue }
                            script = of(v).rawValue
                        }
                        counts[script] += 1
                        t.letters += 1
                        if v >= Tally.extendedBase && v < 0x500 {
                            extended[Int(v - Tally.extendedBase)] += 1
                        } else if v >= 0x500 && script == WritingScript.latin.rawValue {
                            t.otherLatin += 1
                        } else if v >= 0x500 && script == WritingScript.cyrillic.rawValue {
                            t.otherCyrillic += 1
                        }
                    }
                }
            }
        }
        return t
    }

    /// The scripts a language (ISO 639-1 base code) is written in: a model language whose script is not among the
    /// text's main one cannot be its language. Languages not listed are written in Latin.
    static func scripts(of language: String) -> Set<WritingScript> {
        switch DocumentLanguage.base(language) {
        case "ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "mn", "tg", "tt", "ba", "cv", "ce", "os", "ab": [.cyrillic]
        case "zh": [.han]
        case "ja": [.han, .kana]
        case "ko": [.hangul, .han]
        case "ar", "fa", "ur", "ps", "ug", "sd", "ku", "ckb": [.arabic]
        case "hi", "mr", "ne", "sa", "mai", "bh": [.devanagari]
        case "bn", "as": [.bengali]
        case "am", "ti": [.ethiopic]
        case "yi": [.hebrew]
        default:
            if let script = WritingScript.allCases.first(where: { $0.soleLanguage == DocumentLanguage.base(language) }) {
                [script]
            } else {
                [.latin]
            }
        }
    }
}
