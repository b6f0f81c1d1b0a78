/// Turns raw bytes of unknown encoding into a `String`, never failing.
///
/// Order: a byte-order mark (UTF-8, UTF-16 LE/BE) wins; then valid UTF-8; then, when invalid sequences are
/// common (more than 1% of non-ASCII bytes start an invalid sequence), Windows-1252 (a superset of Latin-1 for
/// printable text); otherwise UTF-8 with invalid bytes replaced by U+FFFD.
public enum TextDecoding {
    /// The charsets this decoder can report.
    public enum Charset: String, Sendable {
        case utf8 = "utf-8", utf16le = "utf-16le", utf16be = "utf-16be", windows1252 = "windows-1252", latin1 = "iso-8859-1"
    }

    /// Decodes `bytes`, guessing the charset as described above.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> (text: String, charset: Charset) {
        let n = bytes.count
        if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            return (String(decoding: UnsafeRawBufferPointer(rebasing: bytes[3...]), as: UTF8.self), .utf8)
        }
        if n >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE { return (decodeUTF16(bytes, from: 2, littleEndian: true), .utf16le) }
        if n >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF { return (decodeUTF16(bytes, from: 2, littleEndian: false), .utf16be) }
        let (invalid, nonASCII) = utf8Errors(bytes)
        if invalid == 0 { return (String(decoding: bytes, as: UTF8.self), .utf8) }
        if invalid * 100 > nonASCII { return (decode(bytes, as: .windows1252), .windows1252) }
        return (String(decoding: bytes, as: UTF8.self), .utf8)
    }

    /// Decodes `bytes` with a known charset. Unknown bytes become U+FFFD.
    public static func decode(_ bytes: UnsafeRawBufferPointer, as charset: Charset) -> String {
        switch charset {
        case .utf8: return String(decoding: bytes, as: UTF8.self)
        case .utf16le: return decodeUTF16(bytes, from: 0, littleEndian: true)
        case .utf16be: return decodeUTF16(bytes, from: 0, littleEndian: false)
        case .latin1, .windows1252:
            var out = [UInt8]()
            out.reserveCapacity(bytes.count + bytes.count / 8)
            for b in bytes {
                if b < 0x80 { out.append(b); continue }
                let scalar: UInt32 = (charset == .windows1252 && b >= 0x80 && b < 0xA0) ? cp1252High[Int(b - 0x80)] : UInt32(b)
                JSONParser.appendUTF8(scalar, to: &out)
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Maps a charset label (from a `<meta>` tag or HTTP header) to a charset, or nil when unsupported.
    public static func charset(named label: String) -> Charset? {
        switch label.lowercased().trimmingASCIIWhitespace() {
        case "utf-8", "utf8", "unicode-1-1-utf-8": return .utf8
        case "utf-16le", "utf-16": return .utf16le
        case "utf-16be": return .utf16be
        case "windows-1252", "cp1252", "x-cp1252": return .windows1252
        case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "l1", "us-ascii", "ascii": return .windows1252  // as browsers do
        default: return nil
        }
    }

    /// Counts invalid UTF-8 sequences and non-ASCII bytes.
    static func utf8Errors(_ b: UnsafeRawBufferPointer) -> (invalid: Int, nonASCII: Int) {
        var i = 0, invalid = 0, non = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            non += 1
            var need = 0
            var minCP: UInt32 = 0
            var cp: UInt32 = 0
            if c & 0xE0 == 0xC0 { need = 1; cp = UInt32(c & 0x1F); minCP = 0x80 }
            else if c & 0xF0 == 0xE0 { need = 2; cp = UInt32(c & 0x0F); minCP = 0x800 }
            else if c & 0xF8 == 0xF0 { need = 3; cp = UInt32(c & 0x07); minCP = 0x10000 }
            else { invalid += 1; i += 1; continue }
            var ok = true
            for k in 1...need {
                if i + k >= n { ok = false; break }
                let d = b[i + k]
                if d & 0xC0 != 0x80 { ok = false; break }
                cp = cp << 6 | UInt32(d & 0x3F)
            }
            if !ok || cp < minCP || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000) { invalid += 1; i += 1; continue }
            non += need
            i += need + 1
        }
        return (invalid, non)
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
