import DomainForgeCore
import Segmentation

/// C4's line rules (`c4_lines`), the line half of datatrove's `C4QualityFilter` (the document half is
/// ``C4DocumentFilter``). Each `\n`-separated line is stripped, then, in this order:
/// 1. a line with a word longer than `max_word_length` (1000) characters is removed;
/// 2. citation markers `[<digits>]`, `[edit]` and `[citation needed]` are deleted (`remove_citations`), and the
///    line is stripped again (datatrove strips only before, so `Text. [1]` would fail the next rule there);
/// 3. a line that does not end in `.`, `!`, `?` or `"`, or ends in `...`, is removed (`filter_no_terminal_punct`;
///    the terminal marks are C4's; datatrove also accepts `'`);
/// 4. a line with fewer than `min_words_per_line` (3) whitespace-separated words is removed (counted after
///    citation removal);
/// 5. a line containing `javascript` (any case) is removed (`filter_javascript`);
/// 6. a line containing `terms of use`, `privacy policy`, `cookie policy`, `uses cookies`, `use of cookies` or
///    `use cookies` (any case) is removed (`filter_policy`).
///
/// Kept lines are joined with `\n` (blank lines go, as in C4). A document with no line left is dropped with
/// reason `c4_no_lines`. Counters: `c4_lines_kept`, `c4_lines_removed_too_long_word`,
/// `c4_lines_removed_no_terminal_punct`, `c4_lines_removed_too_few_words`, `c4_lines_removed_javascript`,
/// `c4_lines_removed_policy`, `c4_citations_removed` (blank lines are not counted).
///
/// Other languages (``LanguageRules``; `languages:` overrides): words are ICU-segmented (so a Chinese paragraph is
/// not one 1,500-character "word" for rule 1), terminal punctuation includes `。！？…` and closing quotes after
/// them (`。」`), and for languages written without spaces (zh, ja) rule 4 becomes `min_chars_per_line` (5 letters
/// or digits) instead of words (counter `c4_lines_removed_too_few_chars`).
public struct C4LinesStage: LanguageAwareStage {
    public static let type = "c4_lines"
    public var name: String { Self.type }

    public struct Options: StageOptions {
        public var removeCitations: Bool = true
        public var filterNoTerminalPunct: Bool = true
        public var minWordsPerLine: Int? = 3
        public var maxWordLength: Int? = 1000
        /// Minimum letters and digits per line (off by default; on for zh and ja).
        public var minCharsPerLine: Int? = nil
        public var filterJavascript: Bool = true
        public var filterPolicy: Bool = true

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case removeCitations = "remove_citations"
            case filterNoTerminalPunct = "filter_no_terminal_punct"
            case minWordsPerLine = "min_words_per_line"
            case maxWordLength = "max_word_length"
            case minCharsPerLine = "min_chars_per_line"
            case filterJavascript = "filter_javascript"
            case filterPolicy = "filter_policy"
        }

        public func validate() throws {
            try StageOptionError.nonNegative(minWordsPerLine, CodingKeys.minWordsPerLine)
            try StageOptionError.nonNegative(maxWordLength, CodingKeys.maxWordLength)
            try StageOptionError.nonNegative(minCharsPerLine, CodingKeys.minCharsPerLine)
        }
    }

    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("C4 line rules (line half of datatrove's C4QualityFilter); drops documents with no line left (reason c4_no_lines).", keys: Options.CodingKeys.self, [
        .bool(.removeCitations, "Delete citation markers [<digits>], [edit], [citation needed]."),
        .bool(.filterNoTerminalPunct, "Remove lines not ending in . ! ? \" or ending in ..."),
        .integer(.minWordsPerLine, min: 0, nullable: true, "Remove lines with fewer words (whitespace-separated; ICU words for non-English documents); null or 0 turns it off."),
        .integer(.maxWordLength, min: 0, nullable: true, "Remove lines with a word longer than this many characters; null turns it off."),
        .bool(.filterJavascript, "Remove lines containing 'javascript' (any case)."),
        .bool(.filterPolicy, "Remove lines with 'terms of use', 'privacy policy', 'cookie policy', 'uses cookies', 'use of cookies', 'use cookies' (any case)."),
        .languages,
        .integer(.minCharsPerLine, min: 0, nullable: true, "Remove lines with fewer letters and digits (any script); null turns it off (the zh and ja rules set 5)."),
    ])

    public let options: Options
    /// The language of this variant (nil: English rules and whitespace words).
    public let language: String?
    /// Variants by language, picked per document (see ``LanguageRouting``).
    public var languageStages: [String: C4LinesStage] = [:]

    public init(options: Options = .init()) {
        self.init(options: options, language: nil)
    }

    /// A stage judging `language` documents with segmented words (nil: the English code path).
    public init(options: Options, language: String?) {
        self.options = options
        self.language = language
    }

    static let javascript = Array("javascript".utf8)
    static let policyPhrases: [[UInt8]] = [
        "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies",
    ].map { Array($0.utf8) }

    private struct LineCounts {
        var kept = 0, longWord = 0, noPunct = 0, fewWords = 0, fewChars = 0, javascript = 0, policy = 0, citations = 0

        /// Adds the nonzero counts to the stage's counters.
        func add(to counters: inout StageCounters) {
            if kept > 0 { counters.add("c4_lines_kept", kept) }
            if longWord > 0 { counters.add("c4_lines_removed_too_long_word", longWord) }
            if noPunct > 0 { counters.add("c4_lines_removed_no_terminal_punct", noPunct) }
            if fewWords > 0 { counters.add("c4_lines_removed_too_few_words", fewWords) }
            if fewChars > 0 { counters.add("c4_lines_removed_too_few_chars", fewChars) }
            if javascript > 0 { counters.add("c4_lines_removed_javascript", javascript) }
            if policy > 0 { counters.add("c4_lines_removed_policy", policy) }
            if citations > 0 { counters.add("c4_citations_removed", citations) }
        }
    }

    /// Whether a line (`q[s..<e]`, trimmed, citations removed) breaks a rule after the long-word one, in the rules'
    /// order; bumps the rule's count. `wordCount` is asked only when the word rule is on.
    private func breaksRule(_ q: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, wordCount: () -> Int,
                            _ c: inout LineCounts) -> Bool {
        let o = options
        let segmented = language != nil
        if s == e { c.noPunct += 1; return true }
        if o.filterNoTerminalPunct && segmented {
            let ellipsis = e - s >= 3 && q[e - 1] == 0x2E && q[e - 2] == 0x2E && q[e - 3] == 0x2E
            if ellipsis || !TerminalPunctuation.endsSentence(q, s, e) { c.noPunct += 1; return true }
        } else if o.filterNoTerminalPunct {
            let last = q[e - 1]
            let terminal = last == 0x2E || last == 0x21 || last == 0x3F || last == 0x22
            let ellipsis = e - s >= 3 && q[e - 1] == 0x2E && q[e - 2] == 0x2E && q[e - 3] == 0x2E
            if !terminal || ellipsis { c.noPunct += 1; return true }
        }
        if let minChars = o.minCharsPerLine, minChars > 0, Self.alphanumericCount(q, s, e, upTo: minChars) < minChars {
            c.fewChars += 1
            return true
        }
        if let minWords = o.minWordsPerLine, minWords > 0, wordCount() < minWords {
            c.fewWords += 1
            return true
        }
        switch phraseRule(q, s, e) {
        case .javascript?: c.javascript += 1; return true
        case .policy?: c.policy += 1; return true
        case nil: return false
        }
    }

    /// The phrase rules a line can break, in the rules' order.
    enum PhraseRule { case javascript, policy }

    /// The first phrase rule `q[s..<e]` breaks (`javascript` before `policy`, each when turned on), found in one pass
    /// over the line: a phrase is compared only where its first letter stands (ASCII case-insensitive), where a
    /// search per phrase read the whole line seven times.
    func phraseRule(_ q: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> PhraseRule? {
        let javascript = options.filterJavascript, policy = options.filterPolicy
        guard javascript || policy else { return nil }
        var policyFound = false
        let firsts = Self.policyFirstLetters, js = Self.javascript[0]
        // Bytes 0x40-0x7F that can start a phrase (either case), one bit each: the other bytes, the whole of a
        // Chinese line, are passed over with one test.
        let letters = (javascript ? UInt64(1) << (js &- 0x40) : 0) | (policy ? UInt64(firsts) << 0x21 : 0)
        let starts = letters | letters >> 0x20  // the capitals, 0x20 below
        for i in s..<e {
            let raw = q[i]
            guard raw &- 0x40 < 64, (starts >> UInt64(raw &- 0x40)) & 1 == 1 else { continue }
            let b = asciiLower(raw)
            if javascript && b == js && Self.matchesLowercased(q, i, e, Self.javascript) { return .javascript }
            guard policy && !policyFound && b &- 0x61 < 26 && (firsts >> UInt32(b &- 0x61)) & 1 == 1 else { continue }
            for phrase in Self.policyPhrases where phrase[0] == b && Self.matchesLowercased(q, i, e, phrase) {
                if !javascript { return .policy }
                policyFound = true
                break
            }
        }
        return policyFound ? .policy : nil
    }

    /// First letters of the policy phrases, one bit each from `a` (bit 0) to `z`.
    static let policyFirstLetters: UInt32 = policyPhrases.reduce(0) { $0 | 1 << UInt32($1[0] &- 0x61) }

    /// Whether `needle` (lowercase ASCII) starts at `i` in `p[..<e]`, ASCII case-insensitively.
    @inline(__always)
    static func matchesLowercased(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ e: Int, _ needle: [UInt8]) -> Bool {
        if e - i < needle.count { return false }
        for k in 0..<needle.count where asciiLower(p[i + k]) != needle[k] { return false }
        return true
    }

    public func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        if let variant = LanguageRouting.pick(languageStages, document) {
            return variant.process(&document, counters: &counters)
        }
        let o = options
        let segmented = language != nil
        var c = LineCounts()
        var changed = false
        let newText: String = document.text.withUTF8 { p in
            let n = p.count
            return String(unsafeUninitializedCapacity: n) { out -> Int in
                var w = 0
                var lineBuf = [UInt8]()
                // Non-English: the whole text is segmented at most once (newlines are word boundaries) and only when a rule
                // needs words: ICU words lie inside whitespace runs, so a line whose whitespace runs are all short
                // enough has no long ICU word either.
                var segmentedText: [WordToken]?
                func docTokens() -> [WordToken] {
                    if let segmentedText { return segmentedText }
                    var t = [WordToken]()
                    segmentWords(p, into: &t)
                    segmentedText = t
                    return t
                }
                forEachLine(p) { ls, le in
                    var (s, e) = trimASCIIWhitespace(p, ls, le)
                    if s == e { return }
                    // A word has at most as many characters as the line has bytes: short lines skip the scan.
                    if let maxLen = o.maxWordLength, e - s > maxLen, whitespaceWords(p, s, e).longest > maxLen,
                       !segmented || Self.words(in: docTokens(), s, e).longest > maxLen {
                        c.longWord += 1
                        return
                    }
                    // The line's bytes after citation removal: either p[s..<e] or lineBuf.
                    var useBuf = false
                    if o.removeCitations {
                        let removed = Self.removeCitations(p, s, e, into: &lineBuf)
                        if removed > 0 {
                            c.citations += removed
                            useBuf = true
                        }
                    }
                    let keep: Bool = lineBuf.withUnsafeBufferPointer { bufP in
                        let q = useBuf ? bufP : p
                        if useBuf { (s, e) = trimASCIIWhitespace(bufP, 0, bufP.count) }
                        let (ks, ke) = (s, e)
                        if breaksRule(q, ks, ke, wordCount: {
                            (segmented && !useBuf ? Self.words(in: docTokens(), ks, ke) : Self.words(q, ks, ke, segmented)).count
                        }, &c) { return false }
                        // Keep: append to the output.
                        if w > 0 { out[w] = 0x0A; w += 1 }
                        for k in s..<e { out[w] = q[k]; w += 1 }
                        return true
                    }
                    if keep {
                        c.kept += 1
                        if useBuf || s != ls || e != le { changed = true }
                    }
                }
                // Lines dropped, blank lines removed or separators changed all change the byte count.
                if w != n { changed = true }
                return w
            }
        }
        if changed { document.text = newText }
        c.add(to: &counters)
        if c.kept == 0 { return .drop(reason: "c4_no_lines") }
        return .keep
    }

    /// Word count and longest word (in characters) of `p[s..<e]`: whitespace runs, or ICU words when `segmented`.
    static func words(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ segmented: Bool) -> (count: Int, longest: Int) {
        guard segmented else {
            let w = whitespaceWords(p, s, e)
            return (w.count, w.longest)
        }
        var count = 0, longest = 0
        let line = UnsafeBufferPointer(rebasing: p[s..<e])
        WordSegmenter.forEachSegment(line) { ws, we, isWord in
            guard isWord else { return }
            count += 1
            longest = max(longest, scalarCount(line, ws, we))
        }
        return (count, longest)
    }

    /// Word count and longest word of the byte range `s..<e` among `tokens` (in text order).
    static func words(in tokens: [WordToken], _ s: Int, _ e: Int) -> (count: Int, longest: Int) {
        var lo = 0, hi = tokens.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int(tokens[mid].start) < s { lo = mid + 1 } else { hi = mid }
        }
        var count = 0, longest = 0
        var k = lo
        while k < tokens.count && Int(tokens[k].end) <= e {
            if !tokens[k].isSymbol {
                count += 1
                longest = max(longest, Int(tokens[k].length))
            }
            k += 1
        }
        return (count, longest)
    }

    /// Letters and digits (any script) in `p[s..<e]`, counted up to `limit` (the rule only asks whether a line
    /// has `limit` of them, so a long line is not scanned to its end).
    static func alphanumericCount(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, upTo limit: Int = .max) -> Int {
        var count = 0
        var i = s
        while i < e && count < limit {
            let (v, len) = decodeScalar(p, i)
            if isAlphabetic(v) || (v < 0x80 && isASCIIDigit(UInt8(v))) { count += 1 }
            i += len
        }
        return count
    }

    static let edit = Array("[edit]".utf8)
    static let citationNeeded = Array("[citation needed]".utf8)

    /// Copies `p[s..<e]` without `[<digits>]`, `[edit]` and `[citation needed]` into `buf`; returns how many markers
    /// were removed (0 leaves `buf` unspecified).
    static func removeCitations(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, into buf: inout [UInt8]) -> Int {
        var removed = 0
        var i = s
        var copiedUpTo = s
        while i < e {
            guard p[i] == 0x5B else { i += 1; continue }  // '['
            var j = i + 1
            while j < e && isASCIIDigit(p[j]) { j += 1 }
            var end = -1
            if j < e && p[j] == 0x5D {
                end = j + 1
            } else if matches(p, i, e, edit) {
                end = i + edit.count
            } else if matches(p, i, e, citationNeeded) {
                end = i + citationNeeded.count
            }
            if end < 0 { i += 1; continue }
            if removed == 0 { buf.removeAll(keepingCapacity: true) }
            buf.append(contentsOf: UnsafeBufferPointer(rebasing: p[copiedUpTo..<i]))
            removed += 1
            i = end
            copiedUpTo = end
        }
        if removed > 0 { buf.append(contentsOf: UnsafeBufferPointer(rebasing: p[copiedUpTo..<e])) }
        return removed
    }

    @inline(__always)
    static func matches(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ e: Int, _ needle: [UInt8]) -> Bool {
        if e - i < needle.count { return false }
        for k in 0..<needle.count where p[i + k] != needle[k] { return false }
        return true
    }
}
