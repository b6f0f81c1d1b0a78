/// Streams the records of a CSV file (RFC 4180: comma separated, fields in double quotes may hold commas, newlines
/// and doubled quotes; LF or CRLF line ends). Each record carries the line it starts on. A quote that is never
/// closed is returned as an error record instead of swallowing the rest of the file silently. `.gz`/`.zst` work too.
/// The one CSV reader of the package (eval sets of `decontaminate`, multiple-choice evaluation).
public final class CSVRecordReader {
    /// One record: its fields, or why it could not be read, and the 1-based line it starts on.
    public struct Record: Sendable, Equatable {
        public var fields: [String]
        public var line: Int
        public var error: String?
    }

    /// The file read.
    public let path: String
    let source: any ByteSource
    var buf = [UInt8]()
    var pos = 0
    var line = 1
    var eof = false

    /// Opens `path` (plain, `.gz` or `.zst`); throws the error of `openByteSource`.
    public init(path: String) throws {
        self.path = path
        source = try openByteSource(path: path, displayName: path)
    }

    func peek() throws -> UInt8? {
        if pos >= buf.count {
            if eof { return nil }
            buf.removeAll(keepingCapacity: true); pos = 0
            if try source.read(into: &buf, count: 1 << 16) == 0 { eof = true; return nil }
        }
        return buf[pos]
    }

    /// The next record, or nil at the end of the file. Blank lines are skipped.
    public func next() throws -> Record? {
        while true {
            guard let c = try peek() else { return nil }
            if c == UInt8(ascii: "\n") { pos += 1; line += 1; continue }
            if c == UInt8(ascii: "\r") { pos += 1; continue }
            break
        }
        let start = line
        var fields = [String](), field = [UInt8]()
        var quoted = false, wasQuoted = false
        while true {
            guard let c = try peek() else {
                if quoted { return Record(fields: [], line: start, error: "a quoted field opened here is never closed") }
                fields.append(String(decoding: field, as: UTF8.self))
                return Record(fields: fields, line: start, error: nil)
            }
            pos += 1
            if quoted {
                if c == UInt8(ascii: "\"") {
                    if try peek() == UInt8(ascii: "\"") { pos += 1; field.append(c) } else { quoted = false }
                } else {
                    if c == UInt8(ascii: "\n") { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case UInt8(ascii: "\""):
                if field.isEmpty && !wasQuoted { quoted = true; wasQuoted = true } else { field.append(c) }
            case UInt8(ascii: ","):
                fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(); wasQuoted = false
            case UInt8(ascii: "\n"):
                line += 1
                fields.append(String(decoding: field, as: UTF8.self))
                return Record(fields: fields, line: start, error: nil)
            case UInt8(ascii: "\r"):
                break
            default:
                field.append(c)
            }
        }
    }
}
