import DomainForgeCore

/// Unicode normalization applied before pre-tokenization (the `normalizer` of tokenizer.json).
public enum Normalization: String, Sendable, CaseIterable {
    case none, nfc, nfkc

    /// Normalizes UTF-8 bytes; returns nil when the text is unchanged (all ASCII is always unchanged).
    /// Only runs of non-ASCII text (with the ASCII character before them, which a combining mark may attach to)
    /// go through ICU (``UnicodeNormalizer``, shared with the `normalize` cleaning stage), so mostly-ASCII text
    /// stays on the fast path.
    func apply(_ p: UnsafePointer<UInt8>, _ n: Int) -> [UInt8]? {
        if self == .none { return nil }
        var j = 0
        while j < n && p[j] < 0x80 { j += 1 }
        if j == n { return nil }
        var out = [UInt8]()
        out.reserveCapacity(n + 16)
        var i = 0
        while i < n {
            var first = i
            while first < n && p[first] < 0x80 { first += 1 }
            if first == n { out.append(contentsOf: UnsafeBufferPointer(start: p + i, count: n - i)); break }
            let chunkStart = first > i ? first - 1 : first
            out.append(contentsOf: UnsafeBufferPointer(start: p + i, count: chunkStart - i))
            var k = first
            while k < n && !(p[k] < 0x80 && (k + 1 == n || p[k + 1] < 0x80)) { k += 1 }
            let chunk = UnsafeBufferPointer(start: p + chunkStart, count: k - chunkStart)
            out.append(contentsOf: UnicodeNormalizer.normalize(utf8: chunk, self == .nfkc ? .nfkc : .nfc))
            i = k
        }
        return out
    }
}
