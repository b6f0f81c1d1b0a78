import Foundation

/// The last text segmented on this thread and its tokens: the filter stages run one after another on a document,
/// so `gopher_quality`, `gopher_repetition` and `fineweb` (and `c4_lines` when it keeps every line) reuse one ICU
/// segmentation instead of running it each (ICU's dictionary segmentation is the cost of non-English cleaning).
final class SegmentCache {
    private var bytes: [UInt8] = []
    private var tokens: [WordToken] = []

    private static let perThread = PerThread { SegmentCache() }

    /// This thread's cache.
    static var current: SegmentCache { perThread.value }

    /// The tokens of `p` when it is the cached text.
    func lookup(_ p: UnsafeBufferPointer<UInt8>) -> [WordToken]? {
        guard p.count == bytes.count, p.count > 0 else { return nil }
        let equal = bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, p.baseAddress!, p.count) == 0 }
        return equal ? tokens : nil
    }

    /// Remembers `tokens` as the segmentation of `p`.
    func store(_ p: UnsafeBufferPointer<UInt8>, _ tokens: [WordToken]) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: p)
        self.tokens = tokens
    }
}
