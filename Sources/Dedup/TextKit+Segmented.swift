import Segmentation

extension TextKit {
    /// `scanWords`, except that a run of characters of scripts written without spaces (the `.single` class: Han,
    /// kana, Thai, Lao, Myanmar, Khmer) is split into words by ICU's dictionary segmenter (`WordSegmenter`) instead
    /// of one word per character. ICU segments of the run that are not words (punctuation such as `・`) are
    /// skipped. Whitespace between two such characters does not end the run (Chinese and Japanese put no spaces
    /// between words, so a line break inside a wrapped paragraph is not a word boundary): ICU segments the run
    /// without it, and a word across it spans the whitespace. Hashes are computed as `scanWords` computes them
    /// (lowercased scalars), so text outside such runs gives the same tokens in both scanners.
    static func scanSegmentedWords(_ p: UnsafeBufferPointer<UInt8>, _ body: (Int, Int, UInt64) -> Void) {
        withoutActuallyEscaping(body) { b in
            var sink = ClosureSink(body: b)
            scanWords(p, &sink, segmentRuns: true)
        }
    }

    /// The end of the run of `.single` scalars that continues at `i`, ASCII whitespace between two of them included.
    @inline(__always)
    static func spacelessRunEnd(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var j = i
        while j < p.count {
            var k = j
            while k < p.count && asciiSpace(p[k]) { k += 1 }
            guard k < p.count && p[k] >= 0x80 else { break }
            let (v, len) = decode(p, k)
            guard classify(v) == .single else { break }
            j = k + len
        }
        return j
    }

    /// Reports ICU's words of `p[s..<e]` with their hashes; ASCII whitespace inside the run is left out of what
    /// ICU sees and of the hashes.
    static func segmentRun(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ body: (Int, Int, UInt64) -> Void) {
        var origin: [Int] = []  // byte offset in p of each byte given to ICU, when whitespace was left out
        var packed: [UInt8] = []
        if p[s..<e].contains(where: asciiSpace) {
            for k in s..<e where !asciiSpace(p[k]) { packed.append(p[k]); origin.append(k) }
            origin.append(e)
        }
        packed.withUnsafeBufferPointer { q in
            let run = origin.isEmpty ? UnsafeBufferPointer(rebasing: p[s..<e]) : q
            WordSegmenter.forEachSegment(run) { a, b, isWord in
                guard isWord else { return }
                var h = fnvOffset
                var k = a
                while k < b {
                    let (v, len) = decode(run, k)
                    h = fnvScalar(h, lower(v))
                    k += len
                }
                if origin.isEmpty { body(s + a, s + b, mix64(h)) } else { body(origin[a], origin[b - 1] + 1, mix64(h)) }
            }
        }
    }
}
