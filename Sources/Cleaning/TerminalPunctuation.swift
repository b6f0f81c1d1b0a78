/// Sentence-final punctuation for non-English lines: ASCII `.` `!` `?` `"`, Unicode's Sentence_Terminal set
/// (`。` `！` `？` `।` …) and the ellipsis `…`, looking through closing quotes and brackets (`」` `』` `”` `’` `）`
/// `》` `)`), so that `他说：“好。”` and `「走吧！」` end a sentence.
enum TerminalPunctuation {
    /// Closing marks skipped before the terminal mark.
    static let closers: Set<UInt32> = [0x22, 0x27, 0x29, 0x300D, 0x300F, 0x201D, 0x2019, 0xFF09, 0x300B, 0x3011, 0xFF02]

    /// Whether the non-empty line `p[s..<e]` ends a sentence.
    static func endsSentence(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        var end = e
        while end > s {
            var k = end - 1
            while k > s && (p[k] & 0xC0) == 0x80 { k -= 1 }
            let v = decodeScalar(p, k).value
            if v == 0x22 && k == end - 1 && end == e { return true }  // C4 accepts a final '"'
            if closers.contains(v) { end = k; continue }
            switch v {
            case 0x2E, 0x21, 0x3F, 0x2026, 0x3002, 0xFF01, 0xFF1F: return true  // the common ones, without a lookup
            case 0x3400...0x4DBF, 0x4E00...0x9FFF: return false                    // Han ideographs
            default: break
            }
            guard let scalar = Unicode.Scalar(v) else { return false }
            return scalar.properties.isSentenceTerminal
        }
        return false
    }
}
