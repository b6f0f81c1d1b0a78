/// Compact JSON serialization into a byte buffer, with sorted object keys so equal values give equal bytes.
///
/// Non-ASCII text is written as raw UTF-8 (not `\u` escapes), as datatrove and dolma write JSONL.
public enum JSONWriter {
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            if d.isFinite {
                if d.rounded() == d && abs(d) < 1e15 { out.append(contentsOf: String(Int64(d)).utf8); out.append(contentsOf: ".0".utf8) }
                else { out.append(contentsOf: "\(d)".utf8) }
            } else { out.append(contentsOf: "null".utf8) }
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (k, v) in a.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (k, key) in o.keys.sorted().enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(o[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes `s` as a JSON string literal.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { buf in
            var runStart = 0
            for j in 0..<buf.count {
                let c = buf[j]
                if c >= 0x20 && c != 0x22 && c != 0x5C { continue }
                if runStart < j { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<j])) }
                runStart = j + 1
                switch c {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
                case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
                default:
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xF)]])
                }
            }
            if runStart < buf.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<buf.count])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Writes a document as one JSONL line (with trailing newline) in the datatrove/dolma shape.
    public static func writeDocument(_ d: Document, into out: inout [UInt8]) {
        out.append(contentsOf: "{\"id\":".utf8)
        writeString(d.id, into: &out)
        out.append(contentsOf: ",\"text\":".utf8)
        writeString(d.text, into: &out)
        out.append(contentsOf: ",\"metadata\":".utf8)
        var meta = d.metadata
        if meta["source"] == nil { meta["source"] = .string(d.source) }
        write(.object(meta), into: &out)
        out.append(contentsOf: "}\n".utf8)
    }
}
