import Segmentation

/// Fills `tokens` with the words and punctuation of `p` from ICU's word segmenter (``WordSegmenter``): the
/// tokenizer of every word-counting rule for non-English documents. A segment ICU marks as a word is a
/// non-symbol token (`hasAlpha` when it holds a letter of any script, Han included); any other non-space segment
/// is a symbol token, as edge punctuation is in ``tokenizeWords``.
func segmentWords(_ p: UnsafeBufferPointer<UInt8>, into tokens: inout [WordToken]) {
    let cache = SegmentCache.current
    if let cached = cache.lookup(p) {
        tokens = cached
        return
    }
    tokens.removeAll(keepingCapacity: true)
    // About one token per four bytes in Chinese text: reserved at once instead of grown by doubling.
    tokens.reserveCapacity(p.count / 4 + 16)
    WordSegmenter.forEachSegment(p) { s, e, isWord in
        var alpha = false
        if isWord && p[s] &- 0xE5 < 5 {
            alpha = true  // lead bytes E5-E9 begin U+5000-U+9FFF, Han ideographs, all alphabetic
        } else if isWord {
            var i = s
            while i < e {
                let (v, len) = decodeScalar(p, i)
                if isAlphabetic(v) { alpha = true; break }
                i += len
            }
        }
        tokens.append(WordToken(start: Int32(truncatingIfNeeded: s), end: Int32(truncatingIfNeeded: e),
                                length: Int32(truncatingIfNeeded: scalarCount(p, s, e)), isSymbol: !isWord, hasAlpha: alpha))
    }
    cache.store(p, tokens)
}

/// Words and punctuation of `p`: ``tokenizeWords`` when `segmented` is false (English), else ``segmentWords``
/// (which reserves room itself, and only when the text is not the one segmented last).
@inline(__always)
func wordTokens(_ p: UnsafeBufferPointer<UInt8>, segmented: Bool, into tokens: inout [WordToken]) {
    if segmented {
        segmentWords(p, into: &tokens)
    } else {
        tokens.reserveCapacity(p.count / 3 + 1)
        tokenizeWords(p, into: &tokens)
    }
}
