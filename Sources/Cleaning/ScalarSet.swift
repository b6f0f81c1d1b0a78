/// A set of Unicode scalars as a bitmap from the smallest to the largest member: constant-time `contains` for the
/// dense Han character sets of the language-ID model.
struct ScalarSet: Sendable {
    private let base: UInt32
    private let words: [UInt64]

    init(_ scalars: [UInt32]) {
        guard let lo = scalars.min(), let hi = scalars.max() else {
            base = 0
            words = []
            return
        }
        var w = [UInt64](repeating: 0, count: Int(hi - lo) / 64 + 1)
        for s in scalars { w[Int(s - lo) / 64] |= 1 << UInt64((s - lo) % 64) }
        base = lo
        words = w
    }

    func contains(_ scalar: UInt32) -> Bool {
        guard scalar >= base else { return false }
        let offset = Int(scalar - base)
        guard offset / 64 < words.count else { return false }
        return words[offset / 64] & (1 << UInt64(offset % 64)) != 0
    }
}
