#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// One line of a line-oriented input, or the report of a line that was too long to keep.
public struct LineRecord: Sendable {
    /// The line's bytes without the newline (and without a trailing `\r`). Empty when `overlongBytes > 0`.
    public var bytes: [UInt8]
    /// 1-based line number.
    public var line: Int
    /// Byte offset of the line's start in the decompressed stream.
    public var offset: Int
    /// When the line exceeded the limit: its full length in bytes (it was skipped, never held in memory).
    public var overlongBytes: Int
}

/// Splits a `ByteSource` into lines in bounded memory: a line longer than `maxLineBytes` is skipped while
/// scanning for its end and reported with `overlongBytes`, so a 200 MB single-line file costs at most the limit.
public final class LineReader {
    let source: any ByteSource
    let maxLineBytes: Int
    var buf = [UInt8]()
    var pos = 0
    var eof = false
    var lineNo = 0
    var streamOffset = 0  // offset of buf[0] in the stream

    public init(source: any ByteSource, maxLineBytes: Int) {
        self.source = source
        self.maxLineBytes = maxLineBytes
    }

    /// Returns the next line, or nil at the end of the stream. Errors from the source propagate (after the lines
    /// that were complete before the failure have been returned).
    public func next() throws -> LineRecord? {
        while true {
            // Look for a newline in the buffered bytes.
            if let nl = findNewline(from: pos) {
                lineNo += 1
                var end = nl
                if end > pos && buf[end - 1] == 0x0D { end -= 1 }
                let rec = LineRecord(bytes: Array(buf[pos..<end]), line: lineNo, offset: streamOffset + pos, overlongBytes: 0)
                pos = nl + 1
                return rec
            }
            if buf.count - pos > maxLineBytes {
                return try skipOverlong()
            }
            if eof {
                if pos < buf.count {
                    lineNo += 1
                    var end = buf.count
                    if buf[end - 1] == 0x0D { end -= 1 }
                    let rec = LineRecord(bytes: Array(buf[pos..<end]), line: lineNo, offset: streamOffset + pos, overlongBytes: 0)
                    pos = buf.count
                    return rec
                }
                return nil
            }
            try fill()
        }
    }

    private func fill() throws {
        if pos > 0 {
            buf.removeFirst(pos)
            streamOffset += pos
            pos = 0
        }
        let n = try source.read(into: &buf, count: 1 << 20)
        if n == 0 { eof = true }
    }

    private func findNewline(from start: Int) -> Int? {
        buf.withUnsafeBufferPointer { b -> Int? in
            guard start < b.count, let base = b.baseAddress else { return nil }
            guard let hit = memchr(base + start, 0x0A, b.count - start) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    private func skipOverlong() throws -> LineRecord {
        lineNo += 1
        let startOffset = streamOffset + pos
        var length = 0
        while true {
            if let nl = findNewline(from: pos) {
                length += nl - pos
                pos = nl + 1
                break
            }
            length += buf.count - pos
            pos = buf.count
            if eof { break }
            try fill()
        }
        return LineRecord(bytes: [], line: lineNo, offset: startOffset, overlongBytes: length)
    }
}
