import DomainForgeCore

extension PIIRedactor {
    /// An e-mail address with non-ASCII letters in the local part or the domain (`王五@医院.中国`), anchored at the
    /// `@` at `at`; nil when the address is plain ASCII (the ASCII matcher decides those) or not an address.
    func matchIDNEmail(_ p: UnsafeBufferPointer<UInt8>, at: Int, notBefore: Int) -> Match? {
        var s = at
        while s > notBefore && at - s < 64, let (start, ok) = Self.scalarBefore(p, s, notBefore), ok(Self.isIDNLocal) { s = start }
        while s < at && p[s] == 0x2E { s += 1 }
        guard s < at, p[at - 1] != 0x2E else { return nil }
        guard let e = idnDomainEnd(p, from: at + 1) else { return nil }
        guard p[s..<e].contains(where: { $0 >= 0x80 }) else { return nil }
        return Match(start: s, end: e, kind: .idnEmail)
    }

    /// The end of a domain of at least two labels starting at `start`, the last one 2+ ASCII letters or 1+
    /// non-ASCII letters.
    func idnDomainEnd(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var labels = [(Int, Int)]()
        var j = start, labelStart = start
        while j < p.count {
            if p[j] == 0x2E {
                guard j > labelStart else { break }
                labels.append((labelStart, j))
                j += 1
                labelStart = j
                continue
            }
            guard let (len, scalar) = Self.scalarAt(p, j), Self.isIDNDomain(scalar) else { break }
            j += len
        }
        if j > labelStart { labels.append((labelStart, j)) }
        while let last = labels.last, !Self.isTLD(p, last.0, last.1) || p[last.1 - 1] == 0x2D { labels.removeLast() }
        guard labels.count >= 2, labels.allSatisfy({ p[$0.0] != 0x2D }) else { return nil }
        return labels.last!.1
    }

    static func isTLD(_ p: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> Bool {
        let label = p[a..<b]
        if label.allSatisfy({ $0 < 0x80 }) { return b - a >= 2 && label.allSatisfy(isASCIILetter) }
        var k = a
        while k < b {
            guard let (len, scalar) = scalarAt(p, k), scalar.value >= 0x80, scalar.properties.isAlphabetic else { return false }
            k += len
        }
        return true
    }

    static func isIDNLocal(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x80 ? isLocalChar(UInt8(u.value)) : u.properties.isAlphabetic
    }

    static func isIDNDomain(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x80 ? (isASCIIAlnum(UInt8(u.value)) || u.value == 0x2D) : u.properties.isAlphabetic
    }

    /// The scalar ending just before `end` (not reaching before `floor`): its start and a test on it.
    static func scalarBefore(_ p: UnsafeBufferPointer<UInt8>, _ end: Int, _ floor: Int) -> (Int, ((Unicode.Scalar) -> Bool) -> Bool)? {
        var s = end - 1
        while s > floor && p[s] & 0xC0 == 0x80 { s -= 1 }
        guard s >= floor, let (len, scalar) = scalarAt(p, s), s + len == end else { return nil }
        return (s, { $0(scalar) })
    }

    /// The scalar starting at `i` and its length in bytes, or nil on an invalid sequence.
    static func scalarAt(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, Unicode.Scalar)? {
        let c = p[i]
        if c < 0x80 { return (1, Unicode.Scalar(c)) }
        let len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0
        guard len > 0, i + len <= p.count else { return nil }
        var v = UInt32(c) & (0xFF >> (len + 1))
        for k in 1..<len { v = v << 6 | UInt32(p[i + k] & 0x3F) }
        guard let u = Unicode.Scalar(v) else { return nil }
        return (len, u)
    }
}
