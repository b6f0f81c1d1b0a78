/// Renders rows as a plain text table: columns padded to their widest cell, the first row as the header. A row
/// with fewer cells than the header (a note such as a failure message) does not widen the columns it spans.
public enum TextTable {
    public static func render(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map(\.count)
        for r in rows where r.count >= header.count { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        for r in rows where r.count < header.count && !r.isEmpty { widths[0] = max(widths[0], r[0].count) }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in i == r.count - 1 ? c : c + String(repeating: " ", count: max(0, widths[min(i, widths.count - 1)] - c.count)) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        for r in rows.dropFirst() { out.append(line(r)) }
        return out.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
