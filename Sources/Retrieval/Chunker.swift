import Segmentation

/// One piece of a document as indexed: its position in the document, UTF-8 byte offsets and text.
public struct Chunk: Sendable, Equatable {
    public var ordinal: Int
    public var start: Int
    public var end: Int
    public var text: String
}

/// Cuts text into overlapping chunks (see `ChunkSettings`).
///
/// The text is first split into units with a weight each (a word weighs 1, or its token count; a sentence weighs 1);
/// units are packed greedily while the chunk's weight stays within `size`, then the next chunk starts at the latest
/// unit that keeps the repeated weight within `overlap`. Chunks end on unit boundaries, trailing whitespace trimmed.
/// Sentences end after `.`, `!` or `?` followed by whitespace, after `。！？`, and at line breaks.
public struct Chunker: Sendable {
    public let settings: ChunkSettings
    /// Counts the tokens of one word (with `unit == .tokens`).
    let tokenCount: (@Sendable (String) -> Int)?

    public init(settings: ChunkSettings, tokenCount: (@Sendable (String) -> Int)? = nil) {
        self.settings = settings
        self.tokenCount = tokenCount
    }

    struct Unit { var start: Int; var end: Int; var weight: Int }

    /// The chunks of `text`, in order; none for text with only whitespace.
    public func chunks(of text: String) -> [Chunk] {
        let bytes = Array(text.utf8)
        let units = settings.unit == .sentences ? Self.sentences(bytes) : words(text, bytes)
        guard !units.isEmpty else { return [] }
        var out = [Chunk]()
        var i = 0
        while i < units.count {
            var j = i, w = 0
            while j < units.count && (j == i || w + units[j].weight <= settings.size) {
                w += units[j].weight
                j += 1
            }
            var end = units[j - 1].end
            while end > units[i].start && Self.isSpace(bytes[end - 1]) { end -= 1 }
            if end > units[i].start {
                out.append(Chunk(ordinal: out.count, start: units[i].start, end: end,
                                 text: String(decoding: bytes[units[i].start..<end], as: UTF8.self)))
            }
            if j == units.count { break }
            var k = j, ov = 0
            while k > i + 1 && ov + units[k - 1].weight <= settings.overlap {
                ov += units[k - 1].weight
                k -= 1
            }
            i = k
        }
        return out
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 || b == 12 || b == 11 }

    /// Word units, each running to the start of the next one (so it carries its trailing space or punctuation).
    func words(_ text: String, _ bytes: [UInt8]) -> [Unit] {
        var starts = [(Int, Bool)]()
        if WordSegmenter.hasSpacelessScript(text) {
            for s in WordSegmenter.segments(of: text) { starts.append((s.start, s.isWord)) }
        } else {
            var inWord = false
            for (i, b) in bytes.enumerated() {
                let space = Self.isSpace(b)
                if !space && !inWord { starts.append((i, true)) }
                inWord = !space
            }
        }
        guard !starts.isEmpty else { return [] }
        var units = [Unit]()
        units.reserveCapacity(starts.count)
        for (n, (s, isWord)) in starts.enumerated() {
            let e = n + 1 < starts.count ? starts[n + 1].0 : bytes.count
            var weight = isWord ? 1 : 0
            if settings.unit == .tokens, let count = tokenCount {
                var we = e
                while we > s && Self.isSpace(bytes[we - 1]) { we -= 1 }
                let word = String(decoding: bytes[s..<we], as: UTF8.self)
                weight = count(s > 0 && Self.isSpace(bytes[s - 1]) ? " " + word : word)
            }
            units.append(Unit(start: s, end: e, weight: weight))
        }
        return units
    }

    /// Sentence units (see the type's documentation), blank ones left out.
    static func sentences(_ b: [UInt8]) -> [Unit] {
        var units = [Unit]()
        var start = 0
        var i = 0
        func close(_ end: Int) {
            if b[start..<end].contains(where: { !isSpace($0) }) { units.append(Unit(start: start, end: end, weight: 1)) }
            start = end
        }
        while i < b.count {
            let c = b[i]
            if c == 10 {
                close(i + 1)
            } else if (c == 46 || c == 33 || c == 63) && (i + 1 == b.count || isSpace(b[i + 1])) {
                var e = i + 1
                while e < b.count && isSpace(b[e]) && b[e] != 10 { e += 1 }
                close(e)
                i = e
                continue
            } else if i + 2 < b.count && isFullWidthStop(b[i], b[i + 1], b[i + 2]) {
                close(i + 3)
                i += 3
                continue
            }
            i += 1
        }
        if start < b.count { close(b.count) }
        return units
    }

    /// 。 (E3 80 82), ！ (EF BC 81), ？ (EF BC 9F).
    static func isFullWidthStop(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool {
        (a == 0xE3 && b == 0x80 && c == 0x82) || (a == 0xEF && b == 0xBC && (c == 0x81 || c == 0x9F))
    }
}
