/// An error in JSON text, with the byte offset where parsing stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict, byte-oriented JSON parser (RFC 8259) for JSONL hot paths.
///
/// Nesting is limited (default 512) so hostile input cannot exhaust the stack; invalid UTF-8 inside strings is
/// replaced with U+FFFD rather than rejected, like Python's `errors="replace"`.
public enum JSONParser {
    /// Parses JSON text. Throws `JSONParseError`.
    public static func parse(_ text: String, maxDepth: Int = 512) throws -> JSONValue {
        var copy = text
        return try copy.withUTF8 { buf in try parse(bytes: UnsafeRawBufferPointer(buf), maxDepth: maxDepth) }
    }

    /// Parses JSON bytes. Throws `JSONParseError`.
    public static func parse(bytes: [UInt8], maxDepth: Int = 512) throws -> JSONValue {
        try bytes.withUnsafeBytes { buf in try parse(bytes: buf, maxDepth: maxDepth) }
    }

    public static func parse(bytes: UnsafeRawBufferPointer, maxDepth: Int = 512) throws(JSONParseError) -> JSONValue {
        var p = Parser(buf: bytes, maxDepth: maxDepth)
        p.skipWS()
        let v = try p.value(depth: 0)
        p.skipWS()
        if p.i != p.n { throw JSONParseError(message: "unexpected trailing characters", offset: p.i) }
        return v
    }

    struct Parser {
        let buf: UnsafeRawBufferPointer
        let n: Int
        var i = 0
        let maxDepth: Int
        init(buf: UnsafeRawBufferPointer, maxDepth: Int) { self.buf = buf; self.n = buf.count; self.maxDepth = maxDepth }

        @inline(__always) mutating func skipWS() {
            while i < n {
                let c = buf[i]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
            }
        }

        func fail(_ m: String) -> JSONParseError { JSONParseError(message: m, offset: i) }

        mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
            guard i < n else { throw fail("unexpected end of input") }
            switch buf[i] {
            case UInt8(ascii: "{"):
                if depth >= maxDepth { throw fail("nesting deeper than \(maxDepth)") }
                i += 1
                var obj = [String: JSONValue]()
                skipWS()
                if i < n && buf[i] == UInt8(ascii: "}") { i += 1; return .object(obj) }
                while true {
                    skipWS()
                    guard i < n, buf[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                    let k = try string()
                    skipWS()
                    guard i < n, buf[i] == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
                    i += 1
                    skipWS()
                    obj[k] = try value(depth: depth + 1)
                    skipWS()
                    guard i < n else { throw fail("unterminated object") }
                    if buf[i] == UInt8(ascii: ",") { i += 1; continue }
                    if buf[i] == UInt8(ascii: "}") { i += 1; return .object(obj) }
                    throw fail("expected ',' or '}' in object")
                }
            case UInt8(ascii: "["):
                if depth >= maxDepth { throw fail("nesting deeper than \(maxDepth)") }
                i += 1
                var arr = [JSONValue]()
                skipWS()
                if i < n && buf[i] == UInt8(ascii: "]") { i += 1; return .array(arr) }
                while true {
                    skipWS()
                    arr.append(try value(depth: depth + 1))
                    skipWS()
                    guard i < n else { throw fail("unterminated array") }
                    if buf[i] == UInt8(ascii: ",") { i += 1; continue }
                    if buf[i] == UInt8(ascii: "]") { i += 1; return .array(arr) }
                    throw fail("expected ',' or ']' in array")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true"); return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false"); return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null"); return .null
            default:
                return try number()
            }
        }

        mutating func literal(_ word: StaticString) throws(JSONParseError) {
            let len = word.utf8CodeUnitCount
            guard i + len <= n else { throw fail("invalid literal") }
            let w = word.utf8Start
            for k in 0..<len where buf[i + k] != w[k] { throw fail("invalid literal") }
            i += len
        }

        mutating func number() throws(JSONParseError) -> JSONValue {
            let start = i
            var isInt = true
            if i < n && buf[i] == UInt8(ascii: "-") { i += 1 }
            guard i < n, buf[i] >= 0x30, buf[i] <= 0x39 else { throw fail("invalid value") }
            if buf[i] == 0x30 { i += 1 } else { while i < n, buf[i] >= 0x30, buf[i] <= 0x39 { i += 1 } }
            if i < n && buf[i] == UInt8(ascii: ".") {
                isInt = false; i += 1
                guard i < n, buf[i] >= 0x30, buf[i] <= 0x39 else { throw fail("invalid number") }
                while i < n, buf[i] >= 0x30, buf[i] <= 0x39 { i += 1 }
            }
            if i < n && (buf[i] == UInt8(ascii: "e") || buf[i] == UInt8(ascii: "E")) {
                isInt = false; i += 1
                if i < n && (buf[i] == UInt8(ascii: "+") || buf[i] == UInt8(ascii: "-")) { i += 1 }
                guard i < n, buf[i] >= 0x30, buf[i] <= 0x39 else { throw fail("invalid number") }
                while i < n, buf[i] >= 0x30, buf[i] <= 0x39 { i += 1 }
            }
            let s = String(decoding: UnsafeRawBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
            if isInt, let v = Int64(s) { return .int(v) }
            guard let d = Double(s) else { throw JSONParseError(message: "invalid number", offset: start) }
            return .double(d)
        }

        mutating func hex4() throws(JSONParseError) -> UInt32 {
            guard i + 4 <= n else { throw fail("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = buf[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw fail("invalid \\u escape")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        mutating func string() throws(JSONParseError) -> String {
            i += 1  // opening quote
            let start = i
            // Fast path: no escapes.
            while i < n {
                let c = buf[i]
                if c == UInt8(ascii: "\"") {
                    let s = String(decoding: UnsafeRawBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
                    i += 1
                    return s
                }
                if c == UInt8(ascii: "\\") || c < 0x20 { break }
                i += 1
            }
            var out = [UInt8]()
            out.reserveCapacity(i - start + 16)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[start..<i]))
            while i < n {
                let c = buf[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if c < 0x20 { throw fail("control character in string") }
                if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
                i += 1
                guard i < n else { break }
                let e = buf[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var cp = try hex4()
                    if cp >= 0xD800 && cp < 0xDC00 {
                        if i + 6 <= n && buf[i] == UInt8(ascii: "\\") && buf[i + 1] == UInt8(ascii: "u") {
                            let save = i
                            i += 2
                            let lo = try hex4()
                            if lo >= 0xDC00 && lo < 0xE000 {
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                            } else { i = save; cp = 0xFFFD }
                        } else { cp = 0xFFFD }
                    } else if cp >= 0xDC00 && cp < 0xE000 { cp = 0xFFFD }
                    appendUTF8(cp, to: &out)
                default: throw fail("invalid escape")
                }
            }
            throw JSONParseError(message: "unterminated string", offset: start - 1)
        }
    }

    @inline(__always) static func appendUTF8(_ cp: UInt32, to out: inout [UInt8]) {
        if cp < 0x80 { out.append(UInt8(cp)) }
        else if cp < 0x800 { out.append(UInt8(0xC0 | (cp >> 6))); out.append(UInt8(0x80 | (cp & 0x3F))) }
        else if cp < 0x10000 {
            out.append(UInt8(0xE0 | (cp >> 12))); out.append(UInt8(0x80 | ((cp >> 6) & 0x3F))); out.append(UInt8(0x80 | (cp & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (cp >> 18))); out.append(UInt8(0x80 | ((cp >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((cp >> 6) & 0x3F))); out.append(UInt8(0x80 | (cp & 0x3F)))
        }
    }
}

private func appendUTF8(_ cp: UInt32, to out: inout [UInt8]) { JSONParser.appendUTF8(cp, to: &out) }
