#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A count-min sketch of 64-bit keys with conservative update: `estimate(k)` is never below the number of times
/// `k` was added (it may be above it when keys collide), in a fixed amount of memory (`depth × width` 32-bit
/// counters, allocated zeroed by the system so untouched pages cost nothing).
///
/// `line_dedup` uses it as a filter in front of exact counts: an estimate below the limit proves the true count
/// is below it; only a line whose estimate reaches the limit needs its exact count.
final class CountMinSketch {
    let depth: Int
    let width: Int
    private let mask: UInt64
    private var table: UnsafeMutablePointer<UInt32>

    /// `log2Width` bits per row (at least 4), `depth` rows (1...8).
    init(log2Width: Int, depth: Int = 4) {
        self.depth = max(1, min(depth, 8))
        width = 1 << max(4, log2Width)
        mask = UInt64(width - 1)
        table = Self.allocate(self.depth * width)
    }

    private static func allocate(_ n: Int) -> UnsafeMutablePointer<UInt32> {
        guard let p = calloc(n, MemoryLayout<UInt32>.stride) else { fatalError("out of memory for a count-min sketch of \(n) counters") }
        return p.bindMemory(to: UInt32.self, capacity: n)
    }

    deinit { free(table) }

    @inline(__always) private func slot(_ key: UInt64, _ row: Int) -> Int {
        row * width + Int(TextKit.mix64(key &+ UInt64(row) &* 0x9E3779B97F4A7C15) & mask)
    }

    /// The smallest of the key's counters: at least the true count.
    func estimate(_ key: UInt64) -> UInt32 {
        var m = UInt32.max
        for r in 0..<depth { m = min(m, table[slot(key, r)]) }
        return m
    }

    /// Adds `amount` to the key (conservative update: only counters that would fall below the new estimate grow).
    func add(_ key: UInt64, _ amount: UInt32 = 1) {
        let target = estimate(key).addingReportingOverflow(amount)
        let t = target.overflow ? UInt32.max : target.partialValue
        for r in 0..<depth {
            let s = slot(key, r)
            if table[s] < t { table[s] = t }
        }
    }

    /// Sets every counter to zero (fresh zeroed pages, so untouched ones stay free).
    func clear() {
        free(table)
        table = Self.allocate(depth * width)
    }

    /// Bytes of counters.
    var bytes: Int { depth * width * MemoryLayout<UInt32>.stride }
}
