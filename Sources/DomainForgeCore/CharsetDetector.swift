import CUchardet

/// Guesses the charset of bytes without a trustworthy declaration, with uchardet (Mozilla's universal detector).
///
/// Returns a charset this project can decode, or nil when uchardet has no answer or answers with a charset that is
/// not supported (ISO-2022-KR and -CN, which WHATWG decodes to nothing, EUC-TW, Mac charsets): the caller then keeps its own fallback.
public enum CharsetDetector {
    /// At most this many bytes are fed to the detector: it decides long before, and big files stay cheap.
    public static let sampleLimit = 256 * 1024

    /// The charset uchardet finds for `bytes`, mapped to a `TextDecoding.Charset`.
    public static func detect(_ bytes: UnsafeRawBufferPointer) -> TextDecoding.Charset? {
        guard let name = uchardetName(bytes) else { return nil }
        return charset(forDetectorName: name)
    }

    /// The raw uchardet answer (upper case, e.g. `GB18030`, `BIG5`, `SHIFT_JIS`), or nil when it has none.
    static func uchardetName(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard let base = bytes.baseAddress, bytes.count > 0, let ud = uchardet_new() else { return nil }
        defer { uchardet_delete(ud) }
        let n = min(bytes.count, sampleLimit)
        if uchardet_handle_data(ud, base.assumingMemoryBound(to: CChar.self), n) != 0 { return nil }
        uchardet_data_end(ud)
        guard let c = uchardet_get_charset(ud) else { return nil }
        let name = String(cString: c)
        return name.isEmpty ? nil : name
    }

    /// Maps uchardet names to charsets; names it shares with the WHATWG labels go through `charset(named:)`.
    static func charset(forDetectorName name: String) -> TextDecoding.Charset? {
        switch name.lowercased() {
        case "ascii": return .utf8
        case "uhc", "cp949": return .eucKR
        case "tis-620", "iso-8859-11": return .windows874
        case "iso-2022-kr", "iso-2022-cn", "hz-gb-2312", "euc-tw", "utf-7": return nil
        default: return TextDecoding.charset(named: name)
        }
    }
}
