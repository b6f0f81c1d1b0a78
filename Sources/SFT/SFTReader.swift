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

    private var splitter: JSONArraySplitter?
    private var lines: LineReader?
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
            splitter = JSONArraySplitter(source: try openByteSource(path: path, displayName: displayName), maxElementBytes: maxRecordBytes)
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

    /// The next element of the array (`JSONArraySplitter`); an element over the record limit or a broken array
    /// ends the file with an issue.
    private func nextElement() throws -> RawSFTItem? {
        guard !arrayDone, let splitter else { return nil }
        guard let event = try splitter.next() else { arrayDone = true; return nil }
        switch event {
        case .element(let bytes, let index, _):
            return RawSFTItem(bytes: bytes, line: splitter.line, index: index)
        case .overlong(let index, _, _):
            arrayDone = true
            return RawSFTItem(bytes: [], line: splitter.line, index: index, readError: SFTIssue(code: .lineTooLong, file: displayName, line: splitter.line, index: index, field: "", message: "array element is longer than the record limit (\(maxRecordBytes) bytes); the rest of the file is skipped"))
        case .malformed(_, let message):
            arrayDone = true
            return RawSFTItem(bytes: [], line: splitter.line, index: splitter.index, readError: SFTIssue(code: .invalidJSON, file: displayName, line: splitter.line, index: splitter.index, field: "", message: message))
        }
    }
}
