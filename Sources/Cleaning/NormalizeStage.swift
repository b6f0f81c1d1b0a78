import DomainForgeCore
import Foundation

/// Unicode normalization and whitespace / control-character cleanup (`normalize`). Never drops, except with
/// `drop_empty` (reason `empty_after_normalize`).
///
/// In order:
/// 1. Unicode normalization (`unicode_form`: `nfc` default, `nfkc`, `none`) through Foundation. The call is
///    skipped when it cannot change the text: for NFC when every scalar is below U+0300 (no combining marks and
///    nothing that composes), for NFKC when every scalar is below U+00A0.
/// 2. One pass over the UTF-8 bytes:
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
/// NFC/NFKC form differs), `normalize_newlines_converted`, `normalize_controls_removed`, `normalize_spaces_replaced`,
/// `normalize_zero_width_removed`, `normalize_replacement_removed`, `normalize_trailing_spaces_removed`,
/// `normalize_blank_lines_removed`.
public struct NormalizeStage: DocumentStage {
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

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case unicodeForm = "unicode_form"
            case normalizeSpaces = "normalize_spaces"
            case removeZeroWidth = "remove_zero_width"
            case removeReplacementChar = "remove_replacement_char"
            case stripTrailingSpaces = "strip_trailing_spaces"
            case collapseBlankLines = "collapse_blank_lines"
            case trim
            case dropEmpty = "drop_empty"
        }
        static var optionKeys: [String] { CodingKeys.allCases.map(\.rawValue) }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Options()
            unicodeForm = try c.value(.unicodeForm, default: d.unicodeForm)
            normalizeSpaces = try c.value(.normalizeSpaces, default: d.normalizeSpaces)
            removeZeroWidth = try c.value(.removeZeroWidth, default: d.removeZeroWidth)
            removeReplacementChar = try c.value(.removeReplacementChar, default: d.removeReplacementChar)
            stripTrailingSpaces = try c.value(.stripTrailingSpaces, default: d.stripTrailingSpaces)
            collapseBlankLines = try c.value(.collapseBlankLines, default: d.collapseBlankLines)
            trim = try c.value(.trim, default: d.trim)
            dropEmpty = try c.value(.dropEmpty, default: d.dropEmpty)
        }
    }

    public let options: Options

    public init(options: Options = .init()) {
        self.options = options
    }

    public func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        var changed = false
        // 1. Unicode normalization, only when the text has scalars it could change.
        if options.unicodeForm != .none {
            let threshold: UInt8 = options.unicodeForm == .nfc ? 0xCC : 0xC2  // lead bytes of U+0300 / U+00A0
            let needs = document.text.utf8.withContiguousStorageIfAvailable { p in
                for b in p where b >= threshold { return true }
                return false
            } ?? document.text.utf8.contains { $0 >= threshold }
            if needs {
                let normalized = options.unicodeForm == .nfc
                    ? document.text.precomposedStringWithCanonicalMapping
                    : document.text.precomposedStringWithCompatibilityMapping
                if normalized.utf8.count != document.text.utf8.count || normalized != document.text {
                    document.text = normalized
                    counters.add("normalize_unicode_changed")
                    changed = true
                }
            }
        }
        // 2. Byte pass.
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

    /// The whitespace/control pass; returns the new text, or nil when nothing changed.
    func cleanup(_ text: inout String, _ stats: inout CleanupStats) -> String? {
        let o = options
        var changed = false
        let result = text.withUTF8 { p -> String in
            let n = p.count
            if n == 0 { return "" }
            return String(unsafeUninitializedCapacity: n) { out -> Int in
                var w = 0                 // bytes written
                var lineContentEnd = 0    // output offset just after the last non-space byte of the current line
                var pendingNewlines = 0   // newlines seen but not yet written
                // The last flush of newlines, so that a whitespace-only line after it can be taken back.
                var flushedAt = 0, flushedSeen = 0, flushedWritten = 0
                var i = 0

                @inline(__always) func flushNewlines() {
                    guard pendingNewlines > 0 else { return }
                    var k = pendingNewlines
                    if w == 0 && o.trim { k = 0 }
                    if o.collapseBlankLines && k > 2 { stats.blankLines += k - 2; k = 2 }
                    flushedAt = w; flushedSeen = pendingNewlines; flushedWritten = k
                    for _ in 0..<k { out[w] = 0x0A; w += 1 }
                    pendingNewlines = 0
                    lineContentEnd = w
                }
                @inline(__always) func newline() {
                    if o.stripTrailingSpaces && w > lineContentEnd {
                        stats.trailing += w - lineContentEnd
                        w = lineContentEnd
                        // The line held only spaces: take back the newlines flushed before it.
                        if flushedSeen > 0 && w == flushedAt + flushedWritten {
                            stats.blankLines -= flushedSeen - flushedWritten
                            w = flushedAt
                            lineContentEnd = w
                            pendingNewlines = flushedSeen
                        }
                    }
                    flushedSeen = 0
                    if o.collapseBlankLines || o.trim {
                        pendingNewlines += 1
                    } else {
                        out[w] = 0x0A; w += 1
                        lineContentEnd = w
                    }
                }
                @inline(__always) func space(_ b: UInt8) {
                    flushNewlines()
                    if w == 0 && o.trim { return }
                    out[w] = b; w += 1
                }
                @inline(__always) func content() {
                    flushNewlines()
                    flushedSeen = 0
                }

                while i < n {
                    let b = p[i]
                    if b > 0x20 && b < 0x7F {
                        if pendingNewlines > 0 || flushedSeen > 0 { content() }
                        out[w] = b; w += 1
                        lineContentEnd = w
                        i += 1
                        continue
                    }
                    if b < 0x80 {
                        switch b {
                        case 0x20, 0x09: space(b)
                        case 0x0A: newline()
                        case 0x0D:
                            stats.newlines += 1
                            newline()
                            if i + 1 < n && p[i + 1] == 0x0A { i += 1 }
                        case 0x0B, 0x0C:
                            stats.newlines += 1
                            newline()
                        default:
                            stats.controls += 1  // other C0 controls and DEL
                        }
                        i += 1
                        continue
                    }
                    let (v, len) = decodeScalar(p, i)
                    switch v {
                    case 0x85, 0x2028, 0x2029:
                        stats.newlines += 1
                        newline()
                    case 0x80...0x9F:
                        stats.controls += 1
                    case _ where o.normalizeSpaces && Self.isUnicodeSpace(v):
                        stats.spaces += 1
                        space(0x20)
                    case _ where o.removeZeroWidth && (v == 0x200B || v == 0x2060 || v == 0xFEFF || v == 0xAD):
                        stats.zeroWidth += 1
                    case 0xFFFD where o.removeReplacementChar:
                        stats.replacement += 1
                    default:
                        content()
                        for k in 0..<len { out[w + k] = p[i + k] }
                        w += len
                        lineContentEnd = w
                    }
                    i += len
                }
                // End of text.
                if o.trim {
                    // Trailing spaces, tabs and newlines go.
                    while w > 0 && (out[w - 1] == 0x20 || out[w - 1] == 0x09 || out[w - 1] == 0x0A) { w -= 1 }
                } else {
                    if o.stripTrailingSpaces && w > lineContentEnd {
                        stats.trailing += w - lineContentEnd
                        w = lineContentEnd
                    }
                    var k = pendingNewlines
                    if o.collapseBlankLines && k > 2 { stats.blankLines += k - 2; k = 2 }
                    for _ in 0..<k { out[w] = 0x0A; w += 1 }
                }
                changed = w != n || stats.newlines > 0
                return w
            }
        }
        return changed ? result : nil
    }
}
