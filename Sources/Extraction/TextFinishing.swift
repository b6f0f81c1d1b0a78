import DomainForgeCore

/// Last touches on extracted text: Unicode NFC and page titles without their site-name suffix.
enum TextFinishing {
    /// Separators between a page's own title and the site name ("Install — Project 2.0 documentation").
    private static let titleSeparators = [" — ", " – ", " | ", " · ", " :: "]

    /// The title without a trailing " — Site" / " | Site" part: cut at the last separator when the part before it
    /// has at least two characters and the part after it at most 40 (a site name is short).
    static func cleanTitle(_ t: String) -> String {
        var best: String.Index? = nil
        var sepEnd: String.Index? = nil
        for s in titleSeparators {
            if let r = t.ranges(of: s).last, best == nil || r.lowerBound > best! {
                best = r.lowerBound; sepEnd = r.upperBound
            }
        }
        guard let cut = best, let after = sepEnd else { return t }
        let head = String(t[..<cut]).trimmingASCIIWhitespace()
        let tail = t[after...]
        if head.count < 2 || tail.count > 40 { return t }
        return String(head)
    }

    /// `text` in Unicode NFC. Text without any byte from U+0300 up (combining marks, Hangul jamo...) is already
    /// NFC and is returned as is, without a copy.
    static func nfc(_ text: String) -> String {
        var needs = false
        for b in text.utf8 where b >= 0xCC { needs = true; break }
        return needs ? UnicodeNormalizer.normalize(text, .nfc) : text
    }
}
