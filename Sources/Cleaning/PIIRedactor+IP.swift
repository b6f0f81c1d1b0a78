import DomainForgeCore

/// IP addresses for ``PIIRedactor``: dotted IPv4 (public ones only, unless `only_public_ips: false`) and IPv6.
extension PIIRedactor {
    // MARK: IPv4

    /// Parses a dotted quad at `i`. `valid` is false for shapes that are not taken as addresses (single-digit
    /// parts); nil when it is no dotted quad at all.
    func matchIPv4(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ limit: Int) -> (end: Int, isPublic: Bool, valid: Bool)? {
        var octets = (0, 0, 0, 0)
        var j = i
        var allSingle = true
        for k in 0..<4 {
            if k > 0 {
                guard j < limit, p[j] == 0x2E else { return nil }
                j += 1
            }
            let s = j
            var v = 0
            while j < limit && j - s < 4 && isASCIIDigit(p[j]) { v = v * 10 + Int(p[j] - 0x30); j += 1 }
            let len = j - s
            guard len >= 1, len <= 3, v <= 255, !(len > 1 && p[s] == 0x30) else { return nil }
            if len > 1 { allSingle = false }
            switch k {
            case 0: octets.0 = v
            case 1: octets.1 = v
            case 2: octets.2 = v
            default: octets.3 = v
            }
        }
        // Not part of a longer token.
        if j < p.count {
            let b = p[j]
            if isASCIIAlnum(b) { return nil }
            if (b == 0x2E || b == 0x2D) && j + 1 < p.count && isASCIIDigit(p[j + 1]) { return nil }
        }
        if allSingle { return (j, false, false) }
        return (j, Self.isPublicIPv4(octets), true)
    }

    static func isPublicIPv4(_ o: (Int, Int, Int, Int)) -> Bool {
        let (a, b, c) = (o.0, o.1, o.2)
        switch a {
        case 0, 10, 127: return false
        case 100 where b >= 64 && b <= 127: return false
        case 169 where b == 254: return false
        case 172 where b >= 16 && b <= 31: return false
        case 192 where b == 168: return false
        case 192 where b == 0 && (c == 0 || c == 2): return false
        case 198 where b == 18 || b == 19: return false
        case 198 where b == 51 && c == 100: return false
        case 203 where b == 0 && c == 113: return false
        case 224...255: return false
        default: return true
        }
    }

    // MARK: IPv6

    func matchIPv6(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ limit: Int) -> (end: Int, isPublic: Bool)? {
        // Cheap rejection: a ':' within the first 5 bytes.
        var k = i
        var sawColon = false
        while k < limit && k < i + 5 {
            if p[k] == 0x3A { sawColon = true; break }
            if !isASCIIHexDigit(p[k]) { return nil }
            k += 1
        }
        guard sawColon else { return nil }
        var j = i
        while j < limit && (isASCIIHexDigit(p[j]) || p[j] == 0x3A) { j += 1 }
        if j < p.count && (isASCIIAlnum(p[j]) || p[j] == 0x2E) && !(p[j] == 0x2E && (j + 1 >= p.count || !isASCIIHexDigit(p[j + 1]))) {
            return nil  // glued to a word, or an embedded IPv4 form (not handled)
        }
        // A single trailing ':' is punctuation ("fe80::1: the ...").
        if j - i >= 2 && p[j - 1] == 0x3A && p[j - 2] != 0x3A { j -= 1 }
        var head = [UInt16](), tail = [UInt16]()
        var compressed = false
        var k2 = i
        if j - i >= 2 && p[i] == 0x3A && p[i + 1] == 0x3A {
            compressed = true
            k2 = i + 2
        } else if p[i] == 0x3A {
            return nil
        }
        while k2 < j {
            let s = k2
            var v: UInt32 = 0
            while k2 < j && isASCIIHexDigit(p[k2]) {
                let b = p[k2]
                v = v << 4 | UInt32(isASCIIDigit(b) ? b - 0x30 : (b | 0x20) - 0x61 + 10)
                k2 += 1
            }
            guard k2 - s >= 1, k2 - s <= 4 else { return nil }
            if compressed { tail.append(UInt16(v)) } else { head.append(UInt16(v)) }
            if k2 == j { break }
            k2 += 1  // ':'
            if k2 < j && p[k2] == 0x3A {
                guard !compressed else { return nil }
                compressed = true
                k2 += 1
            } else if k2 == j {
                return nil
            }
        }
        let groups = head.count + tail.count
        if compressed {
            guard groups <= 7, groups >= 1 else { return nil }
        } else {
            guard groups == 8 else { return nil }
        }
        let first = head.first ?? 0
        let second = head.count > 1 ? head[1] : (head.count == 1 && compressed ? 0 : (tail.first ?? 0))
        let isPublic = (first & 0xE000) == 0x2000 && !(first == 0x2001 && second == 0x0DB8)
        return (j, isPublic)
    }
}
