import CUnicodeICU

/// NFC / NFKC through ICU's normalizer (`unorm2_getNFCInstance` / `unorm2_getNFKCInstance` + `unorm2_normalize`),
/// shared by the `normalize` cleaning stage and the tokenizer's normalizer.
///
/// ICU orders combining marks correctly after a decomposition (U+0F73 U+0F73 gives U+0F71 U+0F71 U+0F72 U+0F72),
/// which Foundation's `precomposedStringWithCanonicalMapping` did not. Its Unicode version is the one of the
/// system's ICU (``icuUnicodeVersion``); by Unicode's normalization stability policy the result for characters
/// assigned in an older version never changes, so only characters newer than another implementation's version
/// can be normalized differently from it (they pass through unchanged there).
public enum UnicodeNormalizer {
    /// A normalization form.
    public enum Form: Sendable {
        case nfc, nfkc
    }

    /// The Unicode version of the linked ICU data, e.g. "15.0".
    public static let icuUnicodeVersion: String = {
        var v: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &v) { dficu_unicode_version($0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        return v.2 == 0 ? "\(v.0).\(v.1)" : "\(v.0).\(v.1).\(v.2)"
    }()

    /// Returns `text` in `form` (unchanged if ICU fails, which it does not with its data library installed).
    public static func normalize(_ text: String, _ form: Form) -> String {
        let units = Array(text.utf16)
        if units.isEmpty { return text }
        // Most text is already normalized: ICU's quick check says so without building a copy.
        let span = units.withUnsafeBufferPointer { dficu_normalized_span(form == .nfc ? 0 : 1, $0.baseAddress, Int32($0.count)) }
        if Int(span) == units.count { return text }
        guard let out = normalizeUTF16(units, form) else { return text }
        return String(decoding: out, as: UTF16.self)
    }

    /// Returns the UTF-8 bytes in `form` (invalid UTF-8 is read as U+FFFD first).
    public static func normalize(utf8 bytes: UnsafeBufferPointer<UInt8>, _ form: Form) -> [UInt8] {
        Array(normalize(String(decoding: bytes, as: UTF8.self), form).utf8)
    }

    /// Normalizes UTF-16 code units; nil if ICU reports an error.
    private static func normalizeUTF16(_ units: [UInt16], _ form: Form) -> [UInt16]? {
        var capacity = units.count * 2 + 16
        for _ in 0..<3 {
            var failed: Int32 = 0
            var out = [UInt16](repeating: 0, count: capacity)
            let len = out.withUnsafeMutableBufferPointer { o in
                units.withUnsafeBufferPointer { i in
                    dficu_normalize(form == .nfc ? 0 : 1, i.baseAddress, Int32(i.count), o.baseAddress, Int32(capacity), &failed)
                }
            }
            if failed != 0 { return nil }
            if Int(len) > capacity { capacity = Int(len) + 16; continue }
            out.removeSubrange(Int(len)...)
            return out
        }
        return nil
    }
}
