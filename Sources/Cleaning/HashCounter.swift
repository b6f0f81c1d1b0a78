#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Byte-range hashing for the cleaning stages' duplicate counts (see TextScanning.swift for the byte-level rules).

// MARK: - Hashing

/// 64-bit hash of a byte range (FNV-1a over 8-byte words with a final avalanche; quality is ample for
/// deduplicating lines and words inside one document).
@inline(__always)
func hashBytes(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(truncatingIfNeeded: end - start)
    var i = start
    let base = UnsafeRawPointer(p.baseAddress!)
    while i + 8 <= end {
        let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        h = (h ^ w) &* 0x0000_0100_0000_01B3
        h ^= h >> 29
        i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < end {
        tail |= UInt64(p[i]) << shift
        shift += 8
        i += 1
    }
    h = (h ^ tail) &* 0x0000_0100_0000_01B3
    return mix64(h)
}

/// SplitMix64 finalizer.
@inline(__always)
func mix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// Open-addressing table from 64-bit hashes to a count and the index of the first occurrence.
/// Keys are already well mixed, so the slot is the low bits. Keys sit in their own 8-byte array (the probe loop
/// touches nothing else; counts live beside them and are read only on a hit); the top byte of a stored key is an
/// epoch, so `reset()` is O(1) except every 255th time (the other 56 bits of the hash identify the key).
/// A class over raw storage: no copy-on-write or bounds checks in the probe loop. Used by one thread at a time
/// (each `process` call makes its own).
final class HashCounter {
    private let keys: UnsafeMutablePointer<UInt64>
    private let counts: UnsafeMutablePointer<Int32>
    private let firsts: UnsafeMutablePointer<Int32>
    private let size: Int
    private let mask: Int
    private var epoch: UInt64 = 1

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        self.size = size
        mask = size - 1
        keys = .allocate(capacity: size)
        keys.initialize(repeating: 0, count: size)
        counts = .allocate(capacity: size)
        firsts = .allocate(capacity: size)
    }

    deinit {
        keys.deallocate()
        counts.deallocate()
        firsts.deallocate()
    }

    /// Forgets every key.
    func reset() {
        if epoch == 255 {
            keys.update(repeating: 0, count: size)
            epoch = 1
        } else {
            epoch += 1
        }
    }

    /// Adds one occurrence of `key` (first seen at `index`); returns the count after adding and the slot.
    @inline(__always)
    func add(_ key: UInt64, index: Int) -> (count: Int, slot: Int) {
        let k = (key & 0x00FF_FFFF_FFFF_FFFF) | (epoch << 56)
        var slot = Int(truncatingIfNeeded: key) & mask
        while true {
            let existing = keys[slot]
            if existing == k {
                counts[slot] += 1
                return (Int(counts[slot]), slot)
            }
            if existing >> 56 != epoch {
                keys[slot] = k
                counts[slot] = 1
                firsts[slot] = Int32(truncatingIfNeeded: index)
                return (1, slot)
            }
            slot = (slot + 1) & mask
        }
    }

    /// Inserts `key`; returns false when it was already present.
    @inline(__always)
    func insert(_ key: UInt64) -> Bool {
        let k = (key & 0x00FF_FFFF_FFFF_FFFF) | (epoch << 56)
        var slot = Int(truncatingIfNeeded: key) & mask
        while true {
            let existing = keys[slot]
            if existing == k { return false }
            if existing >> 56 != epoch {
                keys[slot] = k
                return true
            }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always) func first(atSlot slot: Int) -> Int { Int(firsts[slot]) }
}
