import CXML2

/// Element name to `Tag` without building strings: buckets by length and first byte, then a byte compare.
/// (libxml2's HTML parser lower-cases element names and does not intern them, so pointers cannot be the key.)
final class TagLookup: Sendable {
    static let shared = TagLookup()
    private let buckets: [[([UInt8], Tag)]]

    init() {
        var b = [[([UInt8], Tag)]](repeating: [], count: 256)
        for (name, tag) in Tag.byName {
            let u = Array(name.utf8)
            b[Self.slot(u.count, u[0])].append((u, tag))
        }
        buckets = b
    }

    @inline(__always) private static func slot(_ len: Int, _ first: UInt8) -> Int { (len &* 37 &+ Int(first)) & 255 }

    func tag(_ name: UnsafePointer<xmlChar>) -> Tag {
        let first = name[0]
        if first == 0 { return .other }
        var len = 1
        while name[len] != 0 {
            len += 1
            if len > 10 { return .other }  // no known tag is longer
        }
        for (u, t) in buckets[Self.slot(len, first)] where u.count == len {
            var k = 1
            while k < len && u[k] == name[k] { k += 1 }
            if k == len { return t }
        }
        return .other
    }
}
