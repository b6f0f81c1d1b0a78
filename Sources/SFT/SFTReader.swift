import DomainForgeCore

/// One raw record as found in a file: its bytes (or an already parsed value) and where it starts.
public struct RawSFTItem: Sendable {
    public var bytes: [UInt8]
    /// Set for records taken from a whole-file object (keyed container): already parsed.
    public var value: JSONValue?
    public var line: Int
    /// Element index for JSON arrays / keyed objects, nil for JSONL.
    public var index: Int?
    /// The key for records of a keyed object (`{"id1": {...}, ...}`).
    public var key: String?
    /// Set when the item could not be read at all (line too long, broken array).
    public var readError: SFTIssue?
}

/// Streams the records of one file in bounded memory: a JSON array (element by element), JSON Lines, or
/// (for small files only) a single object whose values are records. `.gz` and `.zst` are decompressed.
///
/// The container is sniffed from the first non-blank byte: `[` means array; `{` means JSON Lines when the first
/// line parses on its own, otherwise one whole-file object (read at most `maxWholeFileBytes`).
public final class SFTFileReader {
    public let path: String
    public let displayName: String
    public let maxRecordBytes: Int
    public let maxWholeFileBytes: Int
    public enum Container: String, Sendable { case array, jsonl, object, empty }
    public private(set) var container: Container = .empty

    private var source: (any ByteSource)?
    private var lines: LineReader?
    private var buf = [UInt8]()
    private var pos = 0
    private var eof = false
    private var lineNo = 1
    private var elementIndex = 0
    private var arrayDone = false
    private var objectItems: [RawSFTItem] = []
    private var objectPos = 0

    public init(path: String, displayName: String? = nil, maxRecordBytes: Int = 64 << 20, maxWholeFileBytes: Int = 512 << 20) throws {
        self.path = path
        self.displayName = displayName ?? path
        self.maxRecordBytes = maxRecordBytes
        self.maxWholeFileBytes = maxWholeFileBytes
        try sniff()
    }

    private func sniff() throws {
        let probe = try openByteSource(path: path, displayName: displayName)
        var head = [UInt8]()
        while head.count < 1 << 16 { if try probe.read(into: &head, count: 1 << 16) == 0 { break } }
        var i = 0
        if head.count >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF { i = 3 }
        while i < head.count, isSpace(head[i]) { i += 1 }
        guard i < head.count else { container = .empty; return }
        if head[i] == UInt8(ascii: "[") {
            container = .array
            source = try openByteSource(path: path, displayName: displayName)
            try skipUntilArrayStart()
            return
        }
        if head[i] == UInt8(ascii: "{") {
            // A pretty-printed object (first line just "{") is one whole-file object; anything else is JSON Lines,
            // so a broken first line is reported as invalid_json for that line only.
            var end = i + 1
            while end < head.count, head[end] == 0x20 || head[end] == 0x09 || head[end] == 0x0D { end += 1 }
            if end >= head.count || head[end] == 0x0A {
                container = .object
                try loadObject()
                return
            }
        }
        container = .jsonl
        lines = LineReader(source: try openByteSource(path: path, displayName: displayName), maxLineBytes: maxRecordBytes)
    }

    private func loadObject() throws {
        let bytes = try readWholeFile(path: path, displayName: displayName, limit: maxWholeFileBytes)
        let v: JSONValue
        do { v = try JSONParser.parse(bytes: bytes) } catch {
            objectItems = [RawSFTItem(bytes: [], line: 1, readError: SFTIssue(code: .invalidJSON, file: displayName, line: 1, field: "", message: "the file is neither JSON Lines, a JSON array nor one JSON object: \(error)"))]
            return
        }
        guard case .object(let o) = v else { return }
        // A single record, or a keyed container of records?
        if SFTNormalizer.detect(o) != nil {
            objectItems = [RawSFTItem(bytes: [], value: v, line: 1, index: 0)]
            return
        }
        var n = 0
        for k in o.keys.sorted() {
            objectItems.append(RawSFTItem(bytes: [], value: o[k], line: 0, index: n, key: k))
            n += 1
        }
    }

    /// The next record, or nil at the end of the file.
    public func next() throws -> RawSFTItem? {
        switch container {
        case .empty: return nil
        case .object:
            guard objectPos < objectItems.count else { return nil }
            objectPos += 1
            return objectItems[objectPos - 1]
        case .jsonl:
            while let l = try lines!.next() {
                if l.overlongBytes > 0 || l.bytes.count > maxRecordBytes {
                    return RawSFTItem(bytes: [], line: l.line, readError: SFTIssue(code: .lineTooLong, file: displayName, line: l.line, field: "",
                        message: "line of \(max(l.overlongBytes, l.bytes.count)) bytes is longer than the record limit (\(maxRecordBytes) bytes)"))
                }
                if l.bytes.allSatisfy(isSpace) { continue }
                return RawSFTItem(bytes: l.bytes, line: l.line)
            }
            return nil
        case .array:
            return try nextElement()
        }
    }

    // MARK: JSON array streaming

    private func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    private func fill() throws -> Bool {
        if eof { return false }
        if pos > 0 && pos >= buf.count / 2 { buf.removeFirst(pos); pos = 0 }
        let n = try source!.read(into: &buf, count: 1 << 20)
        if n == 0 { eof = true; return false }
        return true
    }

    private func peek() throws -> UInt8? {
        while pos >= buf.count { if try !fill() { return nil } }
        return buf[pos]
    }

    private func skipSpace() throws {
        while let b = try peek(), isSpace(b) || b == 0xEF || b == 0xBB || b == 0xBF {
            if b == 0x0A { lineNo += 1 }
            pos += 1
        }
    }

    private func skipUntilArrayStart() throws {
        try skipSpace()
        if try peek() == UInt8(ascii: "[") { pos += 1 }
    }

    private func nextElement() throws -> RawSFTItem? {
        if arrayDone { return nil }
        try skipSpace()
        guard var b = try peek() else {
            arrayDone = true
            return RawSFTItem(bytes: [], line: lineNo, index: elementIndex, readError: SFTIssue(code: .invalidJSON, file: displayName, line: lineNo, index: elementIndex, field: "", message: "the JSON array is not closed (file truncated?)"))
        }
        if b == UInt8(ascii: ",") && elementIndex > 0 { pos += 1; try skipSpace(); b = try peek() ?? 0 }
        if b == UInt8(ascii: "]") { arrayDone = true; return nil }
        let startLine = lineNo
        let idx = elementIndex
        elementIndex += 1
        // Scan one value: track nesting and strings. Bytes are copied in runs, not one by one.
        var out = [UInt8]()
        var depth = 0
        var inString = false
        var escape = false
        var start = pos
        scan: while true {
            if pos >= buf.count {
                out.append(contentsOf: buf[start..<pos])
                if out.count > maxRecordBytes {
                    arrayDone = true
                    return RawSFTItem(bytes: [], line: startLine, index: idx, readError: SFTIssue(code: .lineTooLong, file: displayName, line: startLine, index: idx, field: "", message: "array element is longer than the record limit (\(maxRecordBytes) bytes); the rest of the file is skipped"))
                }
                if try !fill() {
                    arrayDone = true
                    return RawSFTItem(bytes: out, line: startLine, index: idx, readError: SFTIssue(code: .invalidJSON, file: displayName, line: startLine, index: idx, field: "", message: "the JSON array ends inside this element (file truncated?)"))
                }
                start = pos
                continue
            }
            let c = buf[pos]
            if inString {
                if c == 0x0A { lineNo += 1 }
                if escape { escape = false } else if c == UInt8(ascii: "\\") { escape = true } else if c == UInt8(ascii: "\"") { inString = false }
                pos += 1
                continue
            }
            switch c {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { break scan }  // the array's closing bracket after a scalar
                depth -= 1
                if depth == 0 { pos += 1; break scan }
            case UInt8(ascii: ","): if depth == 0 { break scan }
            case 0x0A, 0x20, 0x09, 0x0D:
                if c == 0x0A { lineNo += 1 }
                if depth == 0 && pos > start { out.append(contentsOf: buf[start..<pos]); pos += 1; start = pos; try skipSpace(); start = pos; break scan }
            default: break
            }
            pos += 1
        }
        if start < pos { out.append(contentsOf: buf[start..<pos]) }
        try skipSpace()
        if out.count > maxRecordBytes {
            arrayDone = true
            return RawSFTItem(bytes: [], line: startLine, index: idx, readError: SFTIssue(code: .lineTooLong, file: displayName, line: startLine, index: idx, field: "", message: "array element is longer than the record limit (\(maxRecordBytes) bytes); the rest of the file is skipped"))
        }
        return RawSFTItem(bytes: out, line: startLine, index: idx)
    }
}
