import CXML2

/// Byte-level matcher for class/id tokens against `Vocabulary`, bucketed by first byte.
final class TokenMatcher: Sendable {
    static let shared = TokenMatcher()
    let negPrefix: [[[UInt8]]]
    let negExact: [[[UInt8]]]
    let posPrefix: [[[UInt8]]]
    let strongPrefix: [[[UInt8]]]
    let infixes: [[UInt8]]

    init() {
        func bucket(_ words: [String]) -> [[[UInt8]]] {
            var b = [[[UInt8]]](repeating: [], count: 256)
            for w in words { let u = Array(w.utf8); b[Int(u[0])].append(u) }
            return b
        }
        negPrefix = bucket(Vocabulary.negativePrefixes)
        negExact = bucket(Array(Vocabulary.negativeExact))
        posPrefix = bucket(Vocabulary.positivePrefixes)
        strongPrefix = bucket(Vocabulary.strongNegativePrefixes)
        infixes = Vocabulary.negativeInfixes.map { Array($0.utf8) }
    }

    @inline(__always) private func hasPrefix(_ t: UnsafeRawBufferPointer, _ w: [UInt8]) -> Bool {
        if w.count > t.count { return false }
        for k in 0..<w.count where t[k] != w[k] { return false }
        return true
    }

    /// Class-name prefixes that describe a state, not a part of the page (`has-comments`, `no-sidebar`).
    private let modifiers: [[UInt8]] = ["has", "no", "is", "with", "without", "show", "hide", "enable", "disable", "allow", "can", "not"].map { Array($0.utf8) }

    private let hiddenWords: [[UInt8]] = ["hidden", "hide", "invisible"].map { Array($0.utf8) }

    /// `hidden`, `hide`, `invisible`: boilerplate only as a whole class name (see `PageTree.classify`).
    func isHiddenWord(_ t: UnsafeRawBufferPointer, fullLength: Int) -> Bool {
        for w in hiddenWords where w.count == fullLength && hasPrefix(t, w) { return true }
        return false
    }

    private let headerWord = Array("header".utf8)

    /// The exact token `header`.
    func isHeaderWord(_ t: UnsafeRawBufferPointer, fullLength: Int) -> Bool {
        fullLength == headerWord.count && hasPrefix(t, headerWord)
    }

    func isModifier(_ t: UnsafeRawBufferPointer, fullLength: Int) -> Bool {
        for w in modifiers where w.count == fullLength && hasPrefix(t, w) { return true }
        return false
    }

    func match(_ t: UnsafeRawBufferPointer, fullLength: Int) -> (negative: Bool, strong: Bool, positive: Bool) {
        let f = Int(t[0])
        var neg = false, pos = false, strong = false
        for w in strongPrefix[f] where hasPrefix(t, w) { strong = true; neg = true; break }
        for w in negPrefix[f] where hasPrefix(t, w) { neg = true; break }
        if !neg { for w in negExact[f] where w.count == fullLength && hasPrefix(t, w) { neg = true; break } }
        if !neg && t.count > 7 {
            outer: for w in infixes where w.count < t.count {
                for start in 1...(t.count - w.count) where t[start] == w[0] {
                    if hasPrefix(UnsafeRawBufferPointer(rebasing: t[start...]), w) { neg = true; break outer }
                }
            }
        }
        for w in posPrefix[f] where hasPrefix(t, w) { pos = true; break }
        return (neg, strong, pos)
    }
}

extension Whitespace {
    /// Collapses whitespace runs into one space and trims.
    static func collapse(_ b: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        var space = false
        for c in b {
            if c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D || c == 0x0C { space = true; continue }
            if space && !out.isEmpty { out.append(0x20) }
            space = false
            out.append(c)
        }
        return out
    }
}
