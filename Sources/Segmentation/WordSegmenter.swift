import CWordBreak
import Foundation

/// Splits text into words with ICU's word break iterator (`ubrk_open(UBRK_WORD, …)`): dictionary-based for
/// Chinese, Japanese, Thai, Khmer, Lao and Burmese, Unicode's rule-based word boundaries (UAX #29) elsewhere.
///
/// ```swift
/// WordSegmenter.segments(of: "我们去北京。").filter(\.isWord).count  // 3: 我们 去 北京
/// ```
/// Segments are reported in order with UTF-8 byte offsets. Whitespace segments are skipped; a segment ICU marks as
/// a word (rule status ≥ 100: number, letter, kana, ideograph) has `isWord`, any other (punctuation, symbols) not.
/// Iterators are pooled, so the segmenter is safe to call from many threads.
public enum WordSegmenter {
    /// One segment of a text, as UTF-8 byte offsets.
    public struct Segment: Sendable, Equatable {
        public var start: Int
        public var end: Int
        /// ICU's rule status says word (number, letter, kana, ideograph); false for punctuation and symbols.
        public var isWord: Bool

        public init(start: Int, end: Int, isWord: Bool) {
            self.start = start
            self.end = end
            self.isWord = isWord
        }
    }

    /// Throws when ICU cannot open a word break iterator (ICU's data library is missing).
    public static func checkAvailable() throws(SegmenterError) {
        guard let breaker = BreakerPool.shared.take() else { throw .icuUnavailable }
        BreakerPool.shared.give(breaker)
    }

    /// The non-whitespace segments of `text`.
    public static func segments(of text: String) -> [Segment] {
        var copy = text
        var out = [Segment]()
        copy.withUTF8 { p in forEachSegment(p) { out.append(Segment(start: $0, end: $1, isWord: $2)) } }
        return out
    }

    /// The words of `text` (segments ICU marks as words), as strings.
    public static func words(of text: String) -> [String] {
        var copy = text
        return copy.withUTF8 { p in
            var words = [String]()
            forEachSegment(p) { s, e, isWord in
                if isWord { words.append(String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self)) }
            }
            return words
        }
    }

    /// Calls `body(start, end, isWord)` for each non-whitespace segment of the UTF-8 text `p`.
    public static func forEachSegment(_ p: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, Bool) -> Void) {
        forEachSegment(p, viaUTF8: false, body)
    }

    /// `forEachSegment`; `viaUTF8` keeps ICU on the UTF-8 text instead of its UTF-16 copy (for tests: both must
    /// give the same segments).
    static func forEachSegment(_ p: UnsafeBufferPointer<UInt8>, viaUTF8: Bool, _ body: (Int, Int, Bool) -> Void) {
        guard p.count > 0, let base = p.baseAddress else { return }
        guard let breaker = BreakerPool.shared.take() else {
            fatalError("ICU word break iterator unavailable: install ICU's data (Debian libicu72) and rerun")
        }
        defer { BreakerPool.shared.give(breaker) }
        let setStatus = base.withMemoryRebound(to: CChar.self, capacity: p.count) {
            dfwb_set_text_mode(breaker, $0, Int64(p.count), viaUTF8 ? 1 : 0)
        }
        guard setStatus == 0 else { return }
        var start = 0
        var status: Int32 = 0
        while true {
            let next = Int(dfwb_next(breaker, &status))
            if next < 0 { break }
            if status >= 100 {
                body(start, next, true)
            } else if !isWhitespaceRun(p, start, next) {
                body(start, next, false)
            }
            start = next
        }
        // Forget the text: the caller's buffer is not valid after return.
        _ = dfwb_set_text(breaker, nil, 0)
    }

    /// True when the first scalar of `p[s..<e]` is whitespace (ICU keeps whitespace runs apart from punctuation):
    /// ASCII spaces and controls as before, else Unicode's White_Space scalars above ASCII (U+0085, U+00A0, U+1680,
    /// U+2000-200A, U+2028, U+2029, U+202F, U+205F, U+3000). They are compared by value instead of a property lookup
    /// per punctuation segment (a cost in Chinese text; a test checks every scalar against the property).
    static func isWhitespaceRun(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        guard s < e else { return true }
        let b = p[s]
        if b < 0x80 { return b == 0x20 || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F) }
        guard b == 0xC2 || b == 0xE1 || b == 0xE2 || b == 0xE3 else { return false }
        var iterator = UnsafeBufferPointer(rebasing: p[s..<min(e, s + 4)]).makeIterator()
        var decoder = UTF8()
        guard case .scalarValue(let v) = decoder.decode(&iterator) else { return false }
        switch v.value {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
}
