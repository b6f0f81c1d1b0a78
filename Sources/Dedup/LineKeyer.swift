import DomainForgeCore

/// The candidate lines and sentence spans of one document for `line_dedup`: a normalized key (never 0) and the
/// byte range to cut (a line with its line break; a span over its 3 sentences).
public struct LineCandidates: Sendable, Equatable {
    public struct Candidate: Sendable, Equatable {
        public var key: UInt64
        public var range: Range<Int>
    }
    public var lines: [Candidate]
    public var spans: [Candidate]
}

/// The per-document half of `line_dedup`, run on worker threads: finds the candidate lines (and with
/// `sentence_spans`, the 3-sentence spans) and their keys. See `LineDedupStage` for the definitions.
public struct LineKeyer: OrderedPreparer {
    let minLineChars: Int
    let sentenceSpans: Bool

    static let lineSalt: UInt64 = 0x6C696E65, spanSalt: UInt64 = 0x7370616E

    public func prepare(_ document: Document) -> LineCandidates {
        var out = LineCandidates(lines: [], spans: [])
        var t = document.text
        t.withUTF8 { p in
            out.lines = lines(p)
            if sentenceSpans { out.spans = spans(p) }
        }
        return out
    }

    /// Lines of at least `min_line_chars` characters (after trimming whitespace).
    func lines(_ p: UnsafeBufferPointer<UInt8>) -> [LineCandidates.Candidate] {
        var out = [LineCandidates.Candidate]()
        let n = p.count
        var s = 0
        while s < n {
            var e = s
            while e < n && p[e] != 0x0A { e += 1 }
            var a = s, b = e
            while a < b && TextKit.asciiSpace(p[a]) { a += 1 }
            while b > a && TextKit.asciiSpace(p[b - 1]) { b -= 1 }
            if b - a >= minLineChars {
                let (k, chars) = Self.lineKey(p, a, b, salt: Self.lineSalt)
                if chars >= minLineChars { out.append(.init(key: k | 1, range: s..<min(e + 1, n))) }
            }
            s = e + 1
        }
        return out
    }

    /// Windows of 3 consecutive sentences with at least `min_line_chars` characters.
    func spans(_ p: UnsafeBufferPointer<UInt8>) -> [LineCandidates.Candidate] {
        let sents = Self.sentences(p)
        guard sents.count >= 3 else { return [] }
        var out = [LineCandidates.Candidate]()
        for j in 0...(sents.count - 3) {
            var h = Self.spanSalt
            var chars = 0
            for k in j..<(j + 3) {
                let (sk, c) = Self.lineKey(p, sents[k].0, sents[k].1, salt: Self.spanSalt)
                h = TextKit.mix64(h ^ sk); chars += c
            }
            if chars >= minLineChars { out.append(.init(key: h | 1, range: sents[j].0..<sents[j + 2].1)) }
        }
        return out
    }

    /// Sentences (trimmed byte ranges): ending in `.`, `!`, `?` followed by whitespace or the end, `。`, `！`, `？`,
    /// or at a line break.
    static func sentences(_ p: UnsafeBufferPointer<UInt8>) -> [(Int, Int)] {
        var sents: [(Int, Int)] = []
        let n = p.count
        var i = 0, start = 0
        func close(_ end: Int) {
            var a = start, b = end
            while a < b && TextKit.asciiSpace(p[a]) { a += 1 }
            while b > a && TextKit.asciiSpace(p[b - 1]) { b -= 1 }
            if b > a { sents.append((a, b)) }
            start = end
        }
        while i < n {
            let c = p[i]
            if c == 0x0A { close(i); i += 1; continue }
            if c == 0x2E || c == 0x21 || c == 0x3F {
                if i + 1 >= n || TextKit.asciiSpace(p[i + 1]) { close(i + 1) }
            } else if c == 0xE3, i + 2 < n, p[i + 1] == 0x80, p[i + 2] == 0x82 { // 。
                close(i + 3); i += 3; continue
            } else if c == 0xEF, i + 2 < n, p[i + 1] == 0xBC, p[i + 2] == 0x81 || p[i + 2] == 0x9F { // ！ ？
                close(i + 3); i += 3; continue
            }
            i += 1
        }
        close(n)
        return sents
    }

    /// Normalized hash of bytes `p[s..<e]` and its character count.
    @inline(__always)
    static func lineKey(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, salt: UInt64) -> (UInt64, Int) {
        var h = TextKit.fnvOffset ^ salt
        var chars = 0
        var pendingSpace = false, inDigits = false, any = false
        for i in s..<e {
            let b = p[i]
            if b & 0xC0 != 0x80 { chars += 1 }
            if TextKit.asciiSpace(b) { pendingSpace = true; inDigits = false; continue }
            if pendingSpace && any { h = (h ^ 0x20) &* TextKit.fnvPrime }
            pendingSpace = false
            any = true
            if (b &- 0x30) < 10 {
                if !inDigits { h = (h ^ 0x30) &* TextKit.fnvPrime; inDigits = true }
                continue
            }
            inDigits = false
            let l = (b &- 0x41) < 26 ? b | 0x20 : b
            h = (h ^ UInt64(l)) &* TextKit.fnvPrime
        }
        return (TextKit.mix64(h), chars)
    }
}
