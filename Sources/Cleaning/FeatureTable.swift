/// Bucket → feature row lookup of the language-ID model: open addressing with linear probing over at least four
/// slots per feature (8 bytes a slot; 1 MiB for the bundled model), so that a probe seldom reads past its first
/// slot. On `bench langid` four slots per feature ran faster than one and a half or three (longer probes cost more
/// than the smaller table saved) and no slower than eight.
struct FeatureTable: Sendable {
    private let slots: [UInt64]
    private let mask: Int
    /// The row returned for a bucket that is not a feature.
    let none: Int

    /// Indexes `features` (distinct bucket ids); row i is `features[i]`.
    init(_ features: [UInt32]) {
        var size = 64
        while size < 4 * features.count { size <<= 1 }
        var s = [UInt64](repeating: 0, count: size)
        for (row, f) in features.enumerated() {
            var i = Int(f) & (size - 1)
            while s[i] != 0 { i = (i + 1) & (size - 1) }
            s[i] = UInt64(f &+ 1) << 32 | UInt64(row)
        }
        slots = s
        mask = size - 1
        none = features.count
    }

    /// Calls `body` with a pointer-based lookup (the row of a bucket, or `none`).
    @inline(__always)
    func withLookup<R>(_ body: ((Int) -> Int) -> R) -> R {
        let mask = self.mask, none = self.none
        return slots.withUnsafeBufferPointer { s in
            body { bucket in
                let key = UInt64(bucket &+ 1) << 32
                var i = bucket & mask
                while true {
                    let v = s[i]
                    if v == 0 { return none }
                    if v & 0xFFFF_FFFF_0000_0000 == key { return Int(truncatingIfNeeded: v & 0xFFFF_FFFF) }
                    i = (i &+ 1) & mask
                }
            }
        }
    }
}
