/// Splits a top-level JSON array into its elements' bytes without parsing them, in bounded memory:
/// an element larger than `maxElementBytes` is skipped and reported. The one JSON-array splitter of the package
/// (pipeline inputs of `format: json`, SFT files); `line` gives the 1-based line each element starts on.
public final class JSONArraySplitter {
    public enum Event {
        case element(bytes: [UInt8], index: Int, offset: Int)
        case overlong(index: Int, offset: Int, length: Int)
        case malformed(offset: Int, message: String)
    }

    let source: any ByteSource
    let maxElementBytes: Int
    var buf = [UInt8]()
    var pos = 0
    var base = 0
    var eof = false
    var started = false
    var done = false
    /// The index of the next element (the number of elements returned so far).
    public private(set) var index = 0
    /// Newlines consumed so far, plus one.
    var lineNo = 1
    /// The line the last returned element (or the problem of the last `.malformed`) starts on.
    public private(set) var line = 1

    public init(source: any ByteSource, maxElementBytes: Int) {
        self.source = source
        self.maxElementBytes = maxElementBytes
    }

    private func byte() throws -> UInt8? {
        if pos >= buf.count {
            if eof { return nil }
            buf.removeAll(keepingCapacity: true)
            base += pos
            pos = 0
            if try source.read(into: &buf, count: 1 << 20) == 0 { eof = true; return nil }
        }
        let b = buf[pos]
        pos += 1
        if b == 0x0A { lineNo += 1 }
        return b
    }

    private func skipWS() throws -> UInt8? {
        while let b = try byte() {
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { continue }
            return b
        }
        return nil
    }

    /// The next element, a problem, or nil after the closing bracket (or for an empty file).
    public func next() throws -> Event? {
        if done { return nil }
        if !started {
            started = true
            var first = try skipWS()
            if first == 0xEF { _ = try byte(); _ = try byte(); first = try skipWS() }  // UTF-8 BOM
            guard let f = first else { done = true; return nil }  // empty file: no records
            guard f == UInt8(ascii: "[") else {
                done = true
                return .malformed(offset: base + pos - 1, message: "expected a JSON array ('[') at the start of the file; use format jsonl for one object per line")
            }
            if let c = try skipWS() {
                if c == UInt8(ascii: "]") { done = true; return nil }
                pos -= 1
            }
        }
        guard let first = try skipWS() else {
            done = true
            line = lineNo
            return .malformed(offset: base + pos, message: "unterminated JSON array (file truncated?)")
        }
        line = lineNo
        let start = base + pos - 1
        var out: [UInt8] = [first]
        var length = 1
        var depth = 0
        var inString = false
        var escape = false
        var overlong = false
        var b: UInt8? = first
        while let c = b {
            if inString {
                if escape { escape = false } else if c == 0x5C { escape = true } else if c == 0x22 { inString = false }
            } else if c == 0x22 { inString = true }
            else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
            else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                if depth == 0 {
                    // End of the array reached without a comma: `c` is the closing bracket.
                    done = true
                    out.removeLast(); length -= 1
                    return finish(out, start: start, length: length, overlong: overlong)
                }
                depth -= 1
            } else if c == UInt8(ascii: ",") && depth == 0 {
                out.removeLast(); length -= 1
                return finish(out, start: start, length: length, overlong: overlong)
            }
            b = try byte()
            if let nb = b {
                length += 1
                if !overlong {
                    if length > maxElementBytes { overlong = true; out = [] } else { out.append(nb) }
                }
            }
        }
        done = true
        return .malformed(offset: start, message: "unterminated JSON array element (file truncated?)")
    }

    private func finish(_ bytes: [UInt8], start: Int, length: Int, overlong: Bool) -> Event {
        let i = index
        index += 1
        if overlong { return .overlong(index: i, offset: start, length: length) }
        var e = bytes
        while let l = e.last, l == 0x20 || l == 0x0A || l == 0x0D || l == 0x09 { e.removeLast() }
        return .element(bytes: e, index: i, offset: start)
    }
}
