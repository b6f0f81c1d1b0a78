/// Turns raw bytes of unknown encoding into a `String`, never failing.
///
/// Order: a byte-order mark (UTF-8, UTF-16 LE/BE) wins; then valid UTF-8; then UTF-8 that is damaged by a few
/// invalid bytes (valid multi-byte sequences outnumber invalid ones four to one: the bad bytes become U+FFFD and are
/// counted, the file is never re-read as Windows-1252); otherwise the charset uchardet detects (GB18030, Big5,
/// Shift_JIS, EUC-JP, EUC-KR, windows-125x, ...), and Windows-1252 when it has no answer. Legacy charsets are decoded
/// as the WHATWG Encoding Standard says (GBK as GB18030, Big5 as Big5-HKSCS, EUC-KR as windows-949).
public enum TextDecoding {
    /// The charsets this decoder can report; raw values are WHATWG encoding names.
    public enum Charset: String, Sendable, CaseIterable {
        case utf8 = "utf-8", utf16le = "utf-16le", utf16be = "utf-16be", windows1252 = "windows-1252", latin1 = "iso-8859-1"
        case gb18030 = "gb18030", big5 = "big5", shiftJIS = "shift_jis", eucJP = "euc-jp", eucKR = "euc-kr"
        case windows1250 = "windows-1250", windows1251 = "windows-1251", windows1253 = "windows-1253"
        case windows1254 = "windows-1254", windows1255 = "windows-1255", windows1256 = "windows-1256"
        case windows1257 = "windows-1257", windows1258 = "windows-1258", windows874 = "windows-874"
        case iso88592 = "iso-8859-2", iso88595 = "iso-8859-5", iso88597 = "iso-8859-7", iso88598 = "iso-8859-8"
        case iso885915 = "iso-8859-15", koi8r = "koi8-r", ibm866 = "ibm866"
        case iso88593 = "iso-8859-3", iso88594 = "iso-8859-4", iso88596 = "iso-8859-6", iso885910 = "iso-8859-10"
        case iso885913 = "iso-8859-13", iso885914 = "iso-8859-14", iso885916 = "iso-8859-16", koi8u = "koi8-u"
        case iso2022jp = "iso-2022-jp"

        /// True for the CJK multi-byte charsets (uchardet tells them apart reliably even on short texts).
        public var isMultiByte: Bool { [.gb18030, .big5, .shiftJIS, .eucJP, .eucKR, .iso2022jp].contains(self) }

        /// The glibc iconv name that decodes this charset as WHATWG does, or nil for the charsets decoded here.
        public var iconvName: String? {
            switch self {
            case .utf8, .utf16le, .utf16be, .windows1252, .latin1: return nil
            case .gb18030: return "GB18030"
            case .big5: return "BIG5-HKSCS"
            case .shiftJIS: return "CP932"
            case .eucJP: return "EUC-JP"
            case .eucKR: return "CP949"
            case .windows874: return "CP874"
            default: return rawValue.uppercased()
            }
        }
    }

    /// Decodes `bytes`, guessing the charset as described above.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> (text: String, charset: Charset) {
        let d = decodeDetailed(bytes)
        return (d.text, d.charset)
    }

    /// Decodes `bytes` with `forced` when given, else guessing the charset as described above; reports the bytes
    /// that became U+FFFD.
    public static func decodeDetailed(_ bytes: UnsafeRawBufferPointer, forced: Charset? = nil) -> DecodedText {
        let n = bytes.count
        if let forced {
            let d = decodeCounted(bytes, as: forced)
            return DecodedText(text: d.text, charset: forced, replacedBytes: d.replaced, source: "forced")
        }
        if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[3...])
            return DecodedText(text: String(decoding: rest, as: UTF8.self), charset: .utf8, replacedBytes: utf8Sequences(rest).invalid, source: "bom")
        }
        if n >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE {
            return DecodedText(text: decodeUTF16(bytes, from: 2, littleEndian: true), charset: .utf16le, replacedBytes: 0, source: "bom")
        }
        if n >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF {
            return DecodedText(text: decodeUTF16(bytes, from: 2, littleEndian: false), charset: .utf16be, replacedBytes: 0, source: "bom")
        }
        let (invalid, valid) = utf8Sequences(bytes)
        // UTF-16 without a byte-order mark: control bytes such as NUL (rare in UTF-8 text; the high bytes of ASCII,
        // Latin or Cyrillic characters in UTF-16) or bytes that are not UTF-8 at all.
        if invalid > 0 || containsControlBytes(bytes), let order = utf16WithoutBOM(bytes) {
            return DecodedText(text: decodeUTF16(bytes, from: 0, littleEndian: order == .utf16le), charset: order,
                               replacedBytes: 0, source: "detected")
        }
        if invalid == 0 && valid == 0 && looksLikeISO2022(bytes), CharsetDetector.detect(bytes) == .iso2022jp {
            let d = decodeCounted(bytes, as: .iso2022jp)
            return DecodedText(text: d.text, charset: .iso2022jp, replacedBytes: d.replaced, source: "detected")
        }
        if invalid == 0 || valid >= 4 * invalid {
            return DecodedText(text: String(decoding: bytes, as: UTF8.self), charset: .utf8, replacedBytes: invalid, source: "utf8")
        }
        return detectLegacy(bytes)
    }

    /// Bytes looked at by the UTF-16 and ISO-2022 checks.
    static let sniffLimit = 64 * 1024

    /// Whether the first 64 KiB hold a C0 control byte other than tab, line breaks, form feed and escape.
    static func containsControlBytes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        UnsafeRawBufferPointer(rebasing: bytes[0..<min(bytes.count, sniffLimit)]).contains {
            $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0C && $0 != 0x0D && $0 != 0x1B
        }
    }

    /// Seven-bit text with an ISO-2022 designation (ESC `$` or ESC `(`): ISO-2022-JP mail and old Japanese
    /// documents are plain ASCII bytes, so they pass as UTF-8 unless the escapes are looked for.
    public static func looksLikeISO2022(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = min(bytes.count, sniffLimit)
        var i = 0
        while i + 2 < n {
            if bytes[i] == 0x1B && (bytes[i + 1] == 0x24 || bytes[i + 1] == 0x28) { return true }
            i += 1
        }
        return false
    }

    /// The byte order of UTF-16 text without a byte-order mark, or nil. The length must be even and the code
    /// units of the first 64 KiB read in that order must be at least 98% ordinary text (``utf16Class(_:)``,
    /// surrogates only in pairs). The order is the one with NUL bytes in the high half of a quarter or more of the
    /// units (ASCII-heavy text) and few (at most one in 16) in the other half. Without that pattern (CJK, Cyrillic
    /// text) it is the order in which most neighbouring characters share a script, while the other order is mostly
    /// not text or reads as a scatter over unrelated blocks (neighbours in one script below 30%).
    public static func utf16WithoutBOM(_ bytes: UnsafeRawBufferPointer) -> Charset? {
        guard bytes.count % 2 == 0, bytes.count >= 8 else { return nil }
        let n = min(bytes.count, sniffLimit) & ~1
        let pairs = n / 2
        var zeroEven = 0, zeroOdd = 0
        for i in stride(from: 0, to: n, by: 2) {
            if bytes[i] == 0 { zeroEven += 1 }
            if bytes[i + 1] == 0 { zeroOdd += 1 }
        }
        if zeroOdd >= pairs / 4 && zeroEven <= pairs / 16 {
            return utf16Reading(bytes, n, littleEndian: true).plausible >= 0.98 ? .utf16le : nil
        }
        if zeroEven >= pairs / 4 && zeroOdd <= pairs / 16 {
            return utf16Reading(bytes, n, littleEndian: false).plausible >= 0.98 ? .utf16be : nil
        }
        let le = utf16Reading(bytes, n, littleEndian: true), be = utf16Reading(bytes, n, littleEndian: false)
        func reads(_ a: (plausible: Double, sameScript: Double), over b: (plausible: Double, sameScript: Double)) -> Bool {
            a.plausible >= 0.98 && a.sameScript >= 0.5 && (b.plausible < 0.6 || b.sameScript < 0.3)
        }
        if reads(le, over: be) { return .utf16le }
        if reads(be, over: le) { return .utf16be }
        return nil
    }

    /// For `bytes[0..<n]` read as UTF-16 in the given order: the share of code units that are ordinary text, and the
    /// share of neighbouring pairs of them in the same script class (punctuation goes with anything).
    static func utf16Reading(_ bytes: UnsafeRawBufferPointer, _ n: Int, littleEndian: Bool) -> (plausible: Double, sameScript: Double) {
        func unit(_ i: Int) -> UInt16 {
            littleEndian ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
        }
        var good = 0, units = 0, neighbours = 0, same = 0
        var previous: Int8 = -1
        var i = 0
        while i + 1 < n {
            let u = unit(i)
            units += 1
            i += 2
            var cls: Int8 = -1
            if u >= 0xD800 && u <= 0xDBFF {
                if i + 1 < n, (0xDC00...0xDFFF).contains(unit(i)) { good += 2; units += 1; i += 2; cls = 6 }
            } else {
                cls = utf16Class(u)
                if cls >= 0 { good += 1 }
            }
            if cls >= 0 && previous >= 0 {
                neighbours += 1
                if cls == previous || cls == 5 || previous == 5 { same += 1 }
            }
            previous = cls
        }
        guard units > 0 else { return (0, 0) }
        return (Double(good) / Double(units), neighbours == 0 ? 0 : Double(same) / Double(neighbours))
    }

    /// The script class of an ordinary UTF-16 code unit, or -1: 0 Latin (tab, line breaks, printable ASCII, Latin-1,
    /// Latin Extended, Vietnamese), 1 Greek, Cyrillic, Armenian, Hebrew, Arabic, 2 the Indic scripts, Thai and Lao,
    /// 3 CJK punctuation, kana, the common ideographs and fullwidth forms, 4 Hangul syllables, 5 general punctuation.
    /// Kept narrow: read in the wrong order, CJK text lands in these ranges about half the time (the ideograph and
    /// Hangul blocks alone span half of the high-byte values), which is why neighbours are compared too.
    static func utf16Class(_ u: UInt16) -> Int8 {
        switch u {
        case 0x09, 0x0A, 0x0D, 0x20...0x7E, 0xA0...0x24F, 0x1E00...0x1EFF: return 0
        case 0x370...0x6FF: return 1
        case 0x900...0xEFF: return 2
        case 0x3000...0x30FF, 0x4E00...0x9FFF, 0xFF00...0xFFEF: return 3
        case 0xAC00...0xD7A3: return 4
        case 0x2000...0x206F: return 5
        default: return -1
        }
    }

    /// Bytes that are not UTF-8: the charset uchardet detects, else Windows-1252. A single-byte charset other than
    /// Windows-1252 is only believed with at least `minSingleByteEvidence` non-ASCII bytes: on a few accented letters
    /// uchardet's single-byte models guess between Latin charsets (`café` came out as ISO-8859-2).
    public static func detectLegacy(_ bytes: UnsafeRawBufferPointer) -> DecodedText {
        if let cs = CharsetDetector.detect(bytes), cs != .utf8, cs != .utf16le, cs != .utf16be,
           cs.isMultiByte || cs == .windows1252 || cs == .latin1 || nonASCIICount(bytes) >= minSingleByteEvidence {
            let d = decodeCounted(bytes, as: cs)
            if !cs.isMultiByte && cs != .windows1252 && decodeWindows1252(bytes, strictLatin1: false) == d {
                // Same text as Windows-1252 (ISO-8859-15 without its 8 differing bytes, Latin-1): report the default.
                return DecodedText(text: d.text, charset: .windows1252, replacedBytes: d.replaced, source: "detected")
            }
            return DecodedText(text: d.text, charset: cs, replacedBytes: d.replaced, source: "detected")
        }
        let d = decodeCounted(bytes, as: .windows1252)
        return DecodedText(text: d.text, charset: .windows1252, replacedBytes: d.replaced, source: "fallback")
    }

    /// Non-ASCII bytes needed before a single-byte charset other than Windows-1252 is taken from uchardet.
    public static let minSingleByteEvidence = 32

    static func nonASCIICount(_ bytes: UnsafeRawBufferPointer) -> Int { bytes.reduce(0) { $0 + ($1 >= 0x80 ? 1 : 0) } }

    /// Decodes `bytes` with a known charset. Unknown bytes become U+FFFD.
    public static func decode(_ bytes: UnsafeRawBufferPointer, as charset: Charset) -> String {
        decodeCounted(bytes, as: charset).text
    }

    /// Decodes `bytes` with a known charset and counts the bytes that became U+FFFD.
    public static func decodeCounted(_ bytes: UnsafeRawBufferPointer, as charset: Charset) -> (text: String, replaced: Int) {
        switch charset {
        case .utf8: return (String(decoding: bytes, as: UTF8.self), utf8Sequences(bytes).invalid)
        case .utf16le: return (decodeUTF16(bytes, from: 0, littleEndian: true), 0)
        case .utf16be: return (decodeUTF16(bytes, from: 0, littleEndian: false), 0)
        case .latin1, .windows1252: return decodeWindows1252(bytes, strictLatin1: charset == .latin1)
        default:
            guard let name = charset.iconvName, let r = IconvConverter.toUTF8(bytes, from: name) else {
                return decodeWindows1252(bytes, strictLatin1: false)
            }
            return (String(decoding: r.bytes, as: UTF8.self), r.replaced)
        }
    }

    static func decodeWindows1252(_ bytes: UnsafeRawBufferPointer, strictLatin1: Bool) -> (text: String, replaced: Int) {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + bytes.count / 8)
        var replaced = 0
        for b in bytes {
            if b < 0x80 { out.append(b); continue }
            let scalar: UInt32 = (!strictLatin1 && b < 0xA0) ? cp1252High[Int(b - 0x80)] : UInt32(b)
            if scalar == 0xFFFD { replaced += 1 }
            JSONParser.appendUTF8(scalar, to: &out)
        }
        return (String(decoding: out, as: UTF8.self), replaced)
    }

    /// Maps a charset label (from a `<meta>` tag, an HTTP header or `encoding:`) to a charset, or nil when
    /// unsupported. Labels follow the WHATWG Encoding Standard: `gb2312`, `gbk` and the other GBK labels mean
    /// GB18030, `big5` means Big5-HKSCS, `euc-kr` means windows-949, `iso-8859-1` and `ascii` mean Windows-1252.
    public static func charset(named label: String) -> Charset? {
        let l = label.lowercased().trimmingASCIIWhitespace()
        if let cs = labels[l] { return cs }
        if let cs = Charset(rawValue: l) { return cs }
        for prefix in ["cp", "x-cp"] where l.hasPrefix(prefix) {
            if let cs = Charset(rawValue: "windows-" + l.dropFirst(prefix.count)) { return cs }
        }
        return nil
    }

    /// WHATWG labels (and common aliases) that are not the charset's own name.
    static let labels: [String: Charset] = {
        var m: [String: Charset] = [:]
        func add(_ cs: Charset, _ names: [String]) { for n in names { m[n] = cs } }
        add(.utf8, ["utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"])
        add(.utf16le, ["utf-16", "unicode", "ucs-2", "csunicode", "iso-10646-ucs-2", "unicodefeff"])
        add(.utf16be, ["unicodefffe"])
        add(.windows1252, ["cp1252", "x-cp1252", "iso-8859-1", "latin1", "latin-1", "iso8859-1", "l1", "us-ascii", "ascii",
                           "ansi_x3.4-1968", "cp819", "csisolatin1", "ibm819", "iso-ir-100", "iso_8859-1", "iso88591"])
        add(.gb18030, ["gb2312", "gbk", "x-gbk", "chinese", "csgb2312", "iso-ir-58", "csgbk", "gb_2312", "gb_2312-80", "cp936", "windows-936"])
        add(.big5, ["big5-hkscs", "cn-big5", "csbig5", "x-x-big5", "cp950"])
        add(.shiftJIS, ["sjis", "shift-jis", "ms932", "ms_kanji", "csshiftjis", "windows-31j", "x-sjis", "cp932"])
        add(.eucJP, ["cseucpkdfmtjapanese", "x-euc-jp", "eucjp"])
        add(.eucKR, ["cseuckr", "korean", "ks_c_5601-1987", "ks_c_5601-1989", "ksc5601", "ksc_5601", "iso-ir-149", "windows-949", "cp949", "uhc", "euckr"])
        add(.windows1254, ["iso-8859-9", "latin5", "l5", "iso8859-9", "iso_8859-9"])
        add(.windows874, ["tis-620", "iso-8859-11", "dos-874"])
        add(.iso88592, ["latin2", "l2", "iso8859-2", "iso_8859-2"])
        add(.iso88595, ["cyrillic", "iso8859-5", "iso_8859-5"])
        add(.iso88597, ["greek", "iso8859-7", "iso_8859-7"])
        add(.iso88598, ["hebrew", "iso8859-8", "iso_8859-8", "visual"])
        add(.iso885915, ["latin9", "l9", "iso8859-15", "iso_8859-15"])
        add(.koi8r, ["koi8", "koi", "cskoi8r", "koi8_r"])
        add(.koi8u, ["koi8-ru"])
        add(.iso88593, ["latin3", "l3", "iso8859-3", "iso_8859-3", "csisolatin3", "iso-ir-109"])
        add(.iso88594, ["latin4", "l4", "iso8859-4", "iso_8859-4", "csisolatin4", "iso-ir-110"])
        add(.iso88596, ["arabic", "iso8859-6", "iso_8859-6", "asmo-708", "ecma-114", "csisolatinarabic", "iso-ir-127",
                        "iso-8859-6-e", "iso-8859-6-i", "csiso88596e", "csiso88596i"])
        add(.iso885910, ["latin6", "l6", "iso8859-10", "csisolatin6", "iso-ir-157"])
        add(.iso885913, ["iso8859-13"])
        add(.iso885914, ["iso8859-14"])
        add(.iso885916, ["latin10"])
        add(.iso88598, ["iso-8859-8-i", "csiso88598i", "logical"])
        add(.iso2022jp, ["csiso2022jp"])
        add(.ibm866, ["866", "cp866", "csibm866"])
        return m
    }()

    /// True when `bytes` is valid UTF-8.
    public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool { utf8Sequences(bytes, stopAtFirstInvalid: true).invalid == 0 }

    /// Counts invalid bytes and valid multi-byte sequences (strict: no overlongs, no surrogates, nothing past
    /// U+10FFFF): the one UTF-8 validator of the package. With `stopAtFirstInvalid` it stops at the first invalid
    /// byte (the counts are then partial).
    public static func utf8Sequences(_ b: UnsafeRawBufferPointer, stopAtFirstInvalid: Bool = false) -> (invalid: Int, valid: Int) {
        var i = 0, invalid = 0, valid = 0
        let n = b.count
        while i < n {
            while i + 8 <= n && b.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
            if i >= n { break }
            if b[i] < 0x80 { i += 1; continue }
            let len = sequenceLength(b, at: i)
            if len > 0 { valid += 1; i += len; continue }
            invalid += 1
            if stopAtFirstInvalid { break }
            i += 1
        }
        return (invalid, valid)
    }

    /// Length of the valid UTF-8 multi-byte sequence at `i`, or 0.
    static func sequenceLength(_ b: UnsafeRawBufferPointer, at i: Int) -> Int {
        let c = b[i]
        var need = 0
        var cp: UInt32 = 0, minCP: UInt32 = 0
        if c & 0xE0 == 0xC0 { need = 1; cp = UInt32(c & 0x1F); minCP = 0x80 }
        else if c & 0xF0 == 0xE0 { need = 2; cp = UInt32(c & 0x0F); minCP = 0x800 }
        else if c & 0xF8 == 0xF0 { need = 3; cp = UInt32(c & 0x07); minCP = 0x10000 }
        else { return 0 }
        guard i + need < b.count else { return 0 }
        for k in 1...need {
            let d = b[i + k]
            if d & 0xC0 != 0x80 { return 0 }
            cp = cp << 6 | UInt32(d & 0x3F)
        }
        if cp < minCP || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000) { return 0 }
        return need + 1
    }

    static func decodeUTF16(_ b: UnsafeRawBufferPointer, from start: Int, littleEndian: Bool) -> String {
        var units = [UInt16]()
        units.reserveCapacity((b.count - start) / 2)
        var i = start
        while i + 1 < b.count {
            units.append(littleEndian ? UInt16(b[i]) | UInt16(b[i + 1]) << 8 : UInt16(b[i]) << 8 | UInt16(b[i + 1]))
            i += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    static let cp1252High: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ]
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs, CR and LF.
    public func trimmingASCIIWhitespace() -> String {
        let u = Array(utf8)
        var a = 0, b = u.count
        func ws(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C }
        while a < b && ws(u[a]) { a += 1 }
        while b > a && ws(u[b - 1]) { b -= 1 }
        return String(decoding: u[a..<b], as: UTF8.self)
    }
}
