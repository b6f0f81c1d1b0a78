import DomainForgeCore
import Foundation

/// Unicode normalization and whitespace / control-character cleanup (`normalize`). Never drops, except with
/// `drop_empty` (reason `empty_after_normalize`).
///
/// In order:
/// 1. Unicode normalization (`unicode_form`: `nfc` default, `nfkc`, `none`) through ICU (``UnicodeNormalizer``, the
///    code the tokenizer's normalizer uses). The call is
///    skipped when it cannot change the text: for NFC when every scalar is below U+0300 (no combining marks and
///    nothing that composes), for NFKC when every scalar is below U+00A0.
/// 2. Traditional ↔ Simplified Chinese conversion with OpenCC (`chinese`: `none` default, `t2s`, `s2t`, `tw2s`,
///    `s2tw`, `hk2s`, `s2hk`, `tw2sp`, `s2twp`; counter `normalize_chinese_converted`).
/// 3. One pass over the UTF-8 bytes:
///    - `\r\n` and `\r` become `\n`; form feed, vertical tab, NEL (U+0085), U+2028 and U+2029 become `\n` too;
///    - other C0 controls (except `\t`), DEL and C1 controls (U+0080-U+009F) are removed;
///    - Unicode spaces (NBSP, U+1680, U+2000-U+200A, U+202F, U+205F, U+3000) become a plain space (`normalize_spaces`);
///    - zero-width space U+200B, word joiner U+2060, BOM U+FEFF and soft hyphen U+00AD are removed
///      (`remove_zero_width`); ZWJ/ZWNJ (U+200D/U+200C) are kept: they carry meaning in Persian, Indic scripts
///      and emoji sequences;
///    - U+FFFD is removed with `remove_replacement_char` (off by default: it marks decoding damage that later
///      filters or people may want to see);
///    - spaces and tabs at the end of each line are removed (`strip_trailing_spaces`), so whitespace-only lines
///      become empty;
///    - runs of 3+ newlines become 2, i.e. at most one blank line (`collapse_blank_lines`);
///    - leading and trailing whitespace of the document is removed (`trim`).
///
/// Counters (added only when non-zero): `normalize_docs_changed`, `normalize_unicode_changed` (documents whose
/// NFC/NFKC form differs), `normalize_chinese_converted`, `normalize_newlines_converted`, `normalize_controls_removed`, `normalize_spaces_replaced`,
/// `normalize_zero_width_removed`, `normalize_replacement_removed`, `normalize_trailing_spaces_removed`,
/// `normalize_blank_lines_removed`.
public struct NormalizeStage: CleaningStage {
    public static let type = "normalize"
    public var name: String { Self.type }

    public enum UnicodeForm: String, Codable, Sendable, CaseIterable {
        case nfc, nfkc, none
    }

    public struct Options: StageOptions {
        /// Unicode normalization form applied first.
        public var unicodeForm: UnicodeForm = .nfc
        /// Unicode space characters become U+0020.
        public var normalizeSpaces: Bool = true
        /// Remove U+200B, U+2060, U+FEFF, U+00AD.
        public var removeZeroWidth: Bool = true
        /// Remove U+FFFD replacement characters.
        public var removeReplacementChar: Bool = false
        /// Remove spaces and tabs at line ends.
        public var stripTrailingSpaces: Bool = true
        /// Keep at most one blank line between paragraphs.
        public var collapseBlankLines: Bool = true
        /// Remove leading and trailing whitespace of the document.
        public var trim: Bool = true
        /// Drop documents that are empty after normalization.
        public var dropEmpty: Bool = false
        /// OpenCC conversion between Traditional and Simplified Chinese.
        public var chinese: ChineseConverter.Conversion = .none

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case unicodeForm = "unicode_form"
            case normalizeSpaces = "normalize_spaces"
            case removeZeroWidth = "remove_zero_width"
            case removeReplacementChar = "remove_replacement_char"
            case stripTrailingSpaces = "strip_trailing_spaces"
            case collapseBlankLines = "collapse_blank_lines"
            case trim
            case dropEmpty = "drop_empty"
            case chinese
        }

        public func validate() throws {
            do { _ = try ChineseConverter.shared(chinese) } catch {
                throw StageOptionError(key: CodingKeys.chinese.rawValue, message: error.description)
            }
        }
    }

    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("Unicode normalization and whitespace/control-character cleanup. Never drops, except with drop_empty (reason empty_after_normalize).", keys: Options.CodingKeys.self, [
        .choice(.unicodeForm, ["nfc", "nfkc", "none"], "Unicode normalization form, applied first (skipped when the text cannot change)."),
        .bool(.normalizeSpaces, "Turn Unicode spaces (NBSP, U+2000-U+200A, U+202F, U+205F, U+3000, U+1680) into a plain space."),
        .bool(.removeZeroWidth, "Remove U+200B, U+2060, U+FEFF and soft hyphen U+00AD (ZWJ/ZWNJ are kept)."),
        .bool(.removeReplacementChar, "Remove U+FFFD replacement characters."),
        .bool(.stripTrailingSpaces, "Remove spaces and tabs at the end of each line."),
        .bool(.collapseBlankLines, "Collapse runs of 3+ newlines to 2 (at most one blank line)."),
        .bool(.trim, "Remove leading and trailing whitespace of the document."),
        .bool(.dropEmpty, "Drop documents that are empty after normalization (reason empty_after_normalize)."),
        .choice(.chinese, ["none", "t2s", "s2t", "tw2s", "s2tw", "hk2s", "s2hk", "tw2sp", "s2twp"], "Convert between Traditional and Simplified Chinese with OpenCC (t2s: Traditional to Simplified, s2t: back; tw/hk: regional standards; tw2sp/s2twp: with Taiwan phrases). Counter normalize_chinese_converted."),
    ])

    public let options: Options
    private let converter: ChineseConverter?

    /// A stage with `options`. The OpenCC configuration of `options.chinese` is checked when options are decoded
    /// from a config; here, if it cannot be opened, no conversion is done.
    public init(options: Options = .init()) {
        self.options = options
        converter = try? ChineseConverter.shared(options.chinese)
    }

    public func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        var changed = false
        // 1. Unicode normalization, only when the text has scalars it could change.
        if options.unicodeForm != .none {
            let table = options.unicodeForm == .nfc ? NormalizationTables.nfcUnstable : NormalizationTables.nfkcUnstable
            let needs = document.text.withUTF8 { Self.mayChange($0, table) }
            if needs {
                let normalized = UnicodeNormalizer.normalize(document.text, options.unicodeForm == .nfc ? .nfc : .nfkc)
                // Compare bytes: String's == is canonical equivalence, which NFC always preserves.
                if !normalized.utf8.elementsEqual(document.text.utf8) {
                    document.text = normalized
                    counters.add("normalize_unicode_changed")
                    changed = true
                }
            }
        }
        // 2. Traditional <-> Simplified.
        if let converter {
            let converted = converter.convert(document.text)
            if !converted.utf8.elementsEqual(document.text.utf8) {
                document.text = converted
                counters.add("normalize_chinese_converted")
                changed = true
            }
        }
        // 3. Byte pass.
        var stats = CleanupStats()
        if let cleaned = cleanup(&document.text, &stats) {
            document.text = cleaned
            changed = true
        }
        if changed { counters.add("normalize_docs_changed") }
        stats.report(into: &counters)
        if options.dropEmpty && document.text.isEmpty {
            return .drop(reason: "empty_after_normalize")
        }
        return .keep
    }

    /// Whether a range of the flattened, sorted, disjoint `[lo, hi]` pairs `t` meets `lo...hi`: the first pair
    /// ending at or after `lo` (binary search) must start by `hi`.
    static func intersects(_ t: UnsafeBufferPointer<UInt32>, _ lo: UInt32, _ hi: UInt32) -> Bool {
        var a = 0, b = t.count / 2
        while a < b {
            let mid = (a + b) >> 1
            if t[2 * mid + 1] < lo { a = mid + 1 } else { b = mid }
        }
        return a < t.count / 2 && t[2 * a] <= hi
    }

    /// Whether `p` holds a scalar listed in `table` (flattened sorted [lo, hi] pairs, all >= U+00A0).
    static func mayChange(_ p: UnsafeBufferPointer<UInt8>, _ table: [UInt32]) -> Bool {
        let n = p.count
        var i = 0
        var lastLo: UInt32 = 1, lastHi: UInt32 = 0  // the last stable range seen, as a cache
        return table.withUnsafeBufferPointer { t -> Bool in
            let pairs = t.count / 2
            // Lead bytes E4-E9 begin U+4000-U+9FFF (nearly all Han): skipped whole when no range of the table meets it.
            let hanStable = !Self.intersects(t, 0x4000, 0x9FFF)
            while i < n {
                let b = p[i]
                if b < 0xC2 { i += 1; continue }  // ASCII, continuation bytes, U+0080-U+009F never listed
                if hanStable && b &- 0xE4 < 6 { i += 3; continue }
                let (v, len) = decodeScalar(p, i)
                i += len
                if v >= lastLo && v <= lastHi { continue }
                // Binary search for the last pair with lo <= v.
                var lo = 0, hi = pairs
                while lo < hi {
                    let mid = (lo + hi) >> 1
                    if t[2 * mid] <= v { lo = mid + 1 } else { hi = mid }
                }
                if lo > 0 && v <= t[2 * (lo - 1) + 1] { return true }
                // Stable gap: between the previous pair's end and the next pair's start.
                lastLo = lo > 0 ? t[2 * (lo - 1) + 1] + 1 : 0
                lastHi = lo < pairs ? t[2 * lo] - 1 : 0x10FFFF
            }
            return false
        }
    }

    struct CleanupStats {
        var newlines = 0, controls = 0, spaces = 0, zeroWidth = 0, replacement = 0, trailing = 0, blankLines = 0

        func report(into counters: inout StageCounters) {
            if newlines > 0 { counters.add("normalize_newlines_converted", newlines) }
            if controls > 0 { counters.add("normalize_controls_removed", controls) }
            if spaces > 0 { counters.add("normalize_spaces_replaced", spaces) }
            if zeroWidth > 0 { counters.add("normalize_zero_width_removed", zeroWidth) }
            if replacement > 0 { counters.add("normalize_replacement_removed", replacement) }
            if trailing > 0 { counters.add("normalize_trailing_spaces_removed", trailing) }
            if blankLines > 0 { counters.add("normalize_blank_lines_removed", blankLines) }
        }
    }

    @inline(__always) static func isUnicodeSpace(_ v: UInt32) -> Bool {
        v == 0xA0 || v == 0x1680 || (v >= 0x2000 && v <= 0x200A) || v == 0x202F || v == 0x205F || v == 0x3000
    }

    /// Output state of the cleanup pass. Newlines are held back (`pending`) so that runs can be collapsed and
    /// trailing ones trimmed; spaces are written at once and taken back at the end of their line.
    struct Writer {
        let out: UnsafeMutablePointer<UInt8>
        let trim: Bool, collapse: Bool, strip: Bool
        var w = 0                 // bytes written
        var lineContentEnd = 0    // output offset just after the last non-space byte of the current line
        var pending = 0           // newlines seen but not yet written
        // The last flush of newlines, so that a whitespace-only line after it can be taken back.
        var flushedAt = 0, flushedSeen = 0, flushedWritten = 0
        var stats = CleanupStats()

        @inline(__always) mutating func flush() {
            guard pending > 0 else { return }
            var k = pending
            if w == 0 && trim { k = 0 }
            if collapse && k > 2 { stats.blankLines += k - 2; k = 2 }
            flushedAt = w; flushedSeen = pending; flushedWritten = k
            for _ in 0..<k { out[w] = 0x0A; w += 1 }
            pending = 0
            lineContentEnd = w
        }

        @inline(__always) mutating func newline() {
            if strip && w > lineContentEnd {
                stats.trailing += w - lineContentEnd
                w = lineContentEnd
                // The line held only spaces: take back the newlines flushed before it.
                if flushedSeen > 0 && w == flushedAt + flushedWritten {
                    stats.blankLines -= flushedSeen - flushedWritten
                    w = flushedAt
                    lineContentEnd = w
                    pending = flushedSeen
                }
            }
            flushedSeen = 0
            if collapse || trim {
                pending += 1
            } else {
                out[w] = 0x0A; w += 1
                lineContentEnd = w
            }
        }

        @inline(__always) mutating func space(_ b: UInt8) {
            if pending > 0 { flush() }
            if w == 0 && trim { return }
            out[w] = b; w += 1
        }

        /// Copies the run of characters of `width` bytes from `p[i]` whose first byte passes `test` (content this
        /// pass keeps as it is) and returns the index after it.
        @inline(__always) mutating func copyRun(_ p: UnsafeBufferPointer<UInt8>, from i: Int, width: Int,
                                                 _ test: (UInt8) -> Bool) -> Int {
            content()
            var i = i, w = self.w
            repeat {
                for k in 0..<width { out[w + k] = p[i + k] }
                w += width; i += width
            } while i < p.count && test(p[i])
            self.w = w
            lineContentEnd = w
            return i
        }

        /// Before writing a non-space byte.
        @inline(__always) mutating func content() {
            if pending > 0 { flush() }
            flushedSeen = 0
        }

        mutating func finish() {
            if trim {
                // Trailing spaces, tabs and newlines go.
                while w > 0 && (out[w - 1] == 0x20 || out[w - 1] == 0x09 || out[w - 1] == 0x0A) { w -= 1 }
            } else {
                if strip && w > lineContentEnd {
                    stats.trailing += w - lineContentEnd
                    w = lineContentEnd
                }
                var k = pending
                if collapse && k > 2 { stats.blankLines += k - 2; k = 2 }
                for _ in 0..<k { out[w] = 0x0A; w += 1 }
            }
        }
    }

    /// The whitespace/control pass; returns the new text, or nil when nothing changed.
    func cleanup(_ text: inout String, _ stats: inout CleanupStats) -> String? {
        let o = options
        var changed = false
        let result = text.withUTF8 { p -> String in
            let n = p.count
            if n == 0 { return "" }
            return String(unsafeUninitializedCapacity: n) { buffer -> Int in
                var st = Writer(out: buffer.baseAddress!, trim: o.trim, collapse: o.collapseBlankLines,
                                strip: o.stripTrailingSpaces)
                let out = buffer.baseAddress!
                var i = 0
                while i < n {
                    let b = p[i]
                    if b > 0x20 && b < 0x7F {
                        // Fast path: a run of printable ASCII.
                        i = st.copyRun(p, from: i, width: 1) { $0 > 0x20 && $0 < 0x7F }
                        continue
                    }
                    if b < 0x80 {
                        switch b {
                        case 0x20, 0x09: st.space(b)
                        case 0x0A: st.newline()
                        case 0x0D:
                            st.stats.newlines += 1
                            st.newline()
                            if i + 1 < n && p[i + 1] == 0x0A { i += 1 }
                        case 0x0B, 0x0C:
                            st.stats.newlines += 1
                            st.newline()
                        default:
                            st.stats.controls += 1  // other C0 controls and DEL
                        }
                        i += 1
                        continue
                    }
                    if b &- 0xE4 < 10 {
                        // Fast path: a run of U+4000-U+DFFF (lead bytes E4-ED: Han, Yi, Hangul syllables), none of
                        // which this pass changes. The text is valid UTF-8, so each is three bytes.
                        i = st.copyRun(p, from: i, width: 3) { $0 &- 0xE4 < 10 }
                        continue
                    }
                    let (v, len) = decodeScalar(p, i)
                    switch v {
                    case 0x85, 0x2028, 0x2029:
                        st.stats.newlines += 1
                        st.newline()
                    case 0x80...0x9F:
                        st.stats.controls += 1
                    case _ where o.normalizeSpaces && Self.isUnicodeSpace(v):
                        st.stats.spaces += 1
                        st.space(0x20)
                    case _ where o.removeZeroWidth && (v == 0x200B || v == 0x2060 || v == 0xFEFF || v == 0xAD):
                        st.stats.zeroWidth += 1
                    case 0xFFFD where o.removeReplacementChar:
                        st.stats.replacement += 1
                    default:
                        st.content()
                        for k in 0..<len { out[st.w + k] = p[i + k] }
                        st.w += len
                        st.lineContentEnd = st.w
                    }
                    i += len
                }
                st.finish()
                stats = st.stats
                changed = st.w != n || st.stats.newlines > 0
                return st.w
            }
        }
        return changed ? result : nil
    }
}
