/// Small open-addressing hash tables tuned for the tokenizer's hot paths (Swift's Dictionary with array keys
/// allocates and hashes too slowly for millions of lookups per second).

@inline(__always)
func hashBytes(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(n)
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= n {
        let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 31
        i += 8
    }
    if i < n {
        var w: UInt64 = 0
        var s: UInt64 = 0
        while i < n { w |= UInt64(p[i]) << s; s += 8; i += 1 }
        h = (h ^ w) &* 0x94D0_49BB_1331_11EB
    }
    h ^= h >> 29
    h = h &* 0xBF58_476D_1CE4_E5B9
    h ^= h >> 32
    return h
}

@inline(__always)
func hashPair(_ k: UInt64) -> UInt64 {
    var h = k &* 0x9E37_79B9_7F4A_7C15
    h ^= h >> 29
    h = h &* 0xBF58_476D_1CE4_E5B9
    h ^= h >> 32
    return h
}

/// Maps byte strings to Int32 values; grows as needed. Keys are stored in one arena.
struct ByteStringMap: Sendable {
    private(set) var arena: [UInt8] = []
    private(set) var keyStart: [Int] = []
    private(set) var keyLen: [Int32] = []
    var values: [Int32] = []
    private(set) var slots: [Int32]
    private(set) var mask: Int

    init(capacity: Int = 1024) {
        var cap = 16
        while cap < capacity * 2 { cap <<= 1 }
        slots = [Int32](repeating: -1, count: cap)
        mask = cap - 1
    }

    var count: Int { values.count }

    func key(_ e: Int) -> ArraySlice<UInt8> { arena[keyStart[e]..<(keyStart[e] + Int(keyLen[e]))] }

    /// Entry index of the key, or -1.
    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        let h = hashBytes(p, n)
        return slots.withUnsafeBufferPointer { s in
            arena.withUnsafeBufferPointer { a in
                keyLen.withUnsafeBufferPointer { kl in
                    keyStart.withUnsafeBufferPointer { ks in
                        var idx = Int(truncatingIfNeeded: h) & mask
                        while true {
                            let e = Int(s[idx])
                            if e < 0 { return -1 }
                            if Int(kl[e]) == n {
                                let st = ks[e]
                                if n == 0 || memcmpBytes(a.baseAddress! + st, p, n) { return e }
                            }
                            idx = (idx + 1) & mask
                        }
                    }
                }
            }
        }
    }

    func find(_ key: [UInt8]) -> Int {
        key.withUnsafeBufferPointer { b in
            var dummy: UInt8 = 0
            return b.count == 0 ? withUnsafePointer(to: &dummy) { find($0, 0) } : find(b.baseAddress!, b.count)
        }
    }

    func value(_ key: [UInt8]) -> Int32? {
        let e = find(key)
        return e < 0 ? nil : values[e]
    }

    /// Inserts a new key (must not be present) and returns its entry index.
    @discardableResult
    mutating func insertNew(_ p: UnsafePointer<UInt8>, _ n: Int, value: Int32) -> Int {
        if (values.count + 1) * 2 > slots.count { grow() }
        let e = values.count
        keyStart.append(arena.count)
        keyLen.append(Int32(n))
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        values.append(value)
        place(e, hashBytes(p, n))
        return e
    }

    mutating func insertNew(_ key: [UInt8], value: Int32) {
        key.withUnsafeBufferPointer { b in
            var dummy: UInt8 = 0
            if b.count == 0 { withUnsafePointer(to: &dummy) { _ = insertNew($0, 0, value: value) } }
            else { _ = insertNew(b.baseAddress!, b.count, value: value) }
        }
    }

    /// Sets the value for a key, inserting it when absent.
    mutating func set(_ key: [UInt8], _ v: Int32) {
        let e = find(key)
        if e >= 0 { values[e] = v } else { insertNew(key, value: v) }
    }

    private mutating func place(_ e: Int, _ h: UInt64) {
        var idx = Int(truncatingIfNeeded: h) & mask
        while slots[idx] >= 0 { idx = (idx + 1) & mask }
        slots[idx] = Int32(e)
    }

    private mutating func grow() {
        let cap = slots.count * 2
        slots = [Int32](repeating: -1, count: cap)
        mask = cap - 1
        for e in 0..<values.count {
            let h = arena.withUnsafeBufferPointer { a in hashBytes(a.baseAddress! + keyStart[e], Int(keyLen[e])) }
            place(e, h)
        }
    }
}

@inline(__always)
func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while i + 8 <= n {
        if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < n { if a[i] != b[i] { return false }; i += 1 }
    return true
}

/// Maps a pair of token ids (packed as `a << 32 | b`) to a 64-bit value.
struct PairMap: Sendable {
    static let empty = UInt64.max
    private(set) var keys: [UInt64]
    private(set) var vals: [UInt64]
    private(set) var count = 0
    private(set) var mask: Int

    init(capacity: Int = 1024) {
        var cap = 16
        while cap < capacity * 2 { cap <<= 1 }
        keys = [UInt64](repeating: PairMap.empty, count: cap)
        vals = [UInt64](repeating: 0, count: cap)
        mask = cap - 1
    }

    @inline(__always) static func key(_ a: UInt32, _ b: UInt32) -> UInt64 { UInt64(a) << 32 | UInt64(b) }

    /// The value, or nil.
    @inline(__always)
    func get(_ k: UInt64) -> UInt64? {
        keys.withUnsafeBufferPointer { ks in
            var idx = Int(truncatingIfNeeded: hashPair(k)) & mask
            while true {
                let x = ks[idx]
                if x == k { return vals[idx] }
                if x == PairMap.empty { return nil }
                idx = (idx + 1) & mask
            }
        }
    }

    /// Slot of the key, inserting it with value 0 when absent.
    @inline(__always)
    mutating func slot(_ k: UInt64) -> Int {
        if (count + 1) * 2 > keys.count { grow() }
        var idx = Int(truncatingIfNeeded: hashPair(k)) & mask
        while true {
            let x = keys[idx]
            if x == k { return idx }
            if x == PairMap.empty { keys[idx] = k; vals[idx] = 0; count += 1; return idx }
            idx = (idx + 1) & mask
        }
    }

    mutating func set(_ k: UInt64, _ v: UInt64) { let s = slot(k); vals[s] = v }
    @inline(__always) mutating func add(_ k: UInt64, _ d: Int64) { let s = slot(k); vals[s] = UInt64(bitPattern: Int64(bitPattern: vals[s]) &+ d) }
    func value(at slot: Int) -> UInt64 { vals[slot] }

    /// Calls `body(key, value)` for every entry.
    func forEach(_ body: (UInt64, UInt64) -> Void) {
        for i in 0..<keys.count where keys[i] != PairMap.empty { body(keys[i], vals[i]) }
    }

    private mutating func grow() {
        let oldK = keys, oldV = vals
        let cap = keys.count * 2
        keys = [UInt64](repeating: PairMap.empty, count: cap)
        vals = [UInt64](repeating: 0, count: cap)
        mask = cap - 1
        for i in 0..<oldK.count where oldK[i] != PairMap.empty {
            var idx = Int(truncatingIfNeeded: hashPair(oldK[i])) & mask
            while keys[idx] != PairMap.empty { idx = (idx + 1) & mask }
            keys[idx] = oldK[i]; vals[idx] = oldV[i]
        }
    }
}

/// Owns immutable copies of lookup tables as raw memory, so that hot loops on several threads read them without
/// reference counting (retain/release of shared array buffers bounces cache lines between cores).
final class FrozenStorage: @unchecked Sendable {
    private var blocks: [UnsafeMutableRawPointer] = []
    func copy<T>(_ a: [T]) -> UnsafePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(a.count, 1))
        a.withUnsafeBufferPointer { b in if let base = b.baseAddress { p.initialize(from: base, count: b.count) } }
        blocks.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }
    deinit { for b in blocks { b.deallocate() } }
}

/// Read-only view of a ``ByteStringMap`` in ``FrozenStorage``.
struct FrozenByteMap: @unchecked Sendable {
    let slots: UnsafePointer<Int32>, mask: Int
    let arena: UnsafePointer<UInt8>, keyStart: UnsafePointer<Int>, keyLen: UnsafePointer<Int32>, values: UnsafePointer<Int32>

    init(_ m: ByteStringMap, _ st: FrozenStorage) {
        slots = st.copy(m.slots); mask = m.mask; arena = st.copy(m.arena)
        keyStart = st.copy(m.keyStart); keyLen = st.copy(m.keyLen); values = st.copy(m.values)
    }

    /// The value for the key, or -1.
    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        var idx = Int(truncatingIfNeeded: hashBytes(p, n)) & mask
        while true {
            let e = Int(slots[idx])
            if e < 0 { return -1 }
            if Int(keyLen[e]) == n && memcmpBytes(arena + keyStart[e], p, n) { return values[e] }
            idx = (idx + 1) & mask
        }
    }
}

/// Read-only view of a ``PairMap`` in ``FrozenStorage``.
struct FrozenPairMap: @unchecked Sendable {
    let keys: UnsafePointer<UInt64>, vals: UnsafePointer<UInt64>, mask: Int
    init(_ m: PairMap, _ st: FrozenStorage) { keys = st.copy(m.keys); vals = st.copy(m.vals); mask = m.mask }

    /// The value, or UInt64.max when absent.
    @inline(__always)
    func get(_ k: UInt64) -> UInt64 {
        var idx = Int(truncatingIfNeeded: hashPair(k)) & mask
        while true {
            let x = keys[idx]
            if x == k { return vals[idx] }
            if x == PairMap.empty { return UInt64.max }
            idx = (idx + 1) & mask
        }
    }
}
