import DomainForgeCore
import Foundation

/// A self-contained HTML page (inline CSS and SVG, no scripts or external files) with a title, notes, tables and plots.
public struct HTMLReport {
    /// The page title.
    public var title: String
    var body: [String] = []

    /// An empty page.
    public init(title: String) { self.title = title }

    /// Escapes text for HTML and SVG.
    public static func escape(_ s: String) -> String {
        var o = ""
        for c in s {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            default: o.append(c)
            }
        }
        return o
    }

    /// Adds a section heading.
    public mutating func heading(_ s: String) { body.append("<h2>\(Self.escape(s))</h2>") }
    /// Adds a paragraph of text.
    public mutating func paragraph(_ s: String) { body.append("<p>\(Self.escape(s))</p>") }

    /// A table; the first row is the header.
    public mutating func table(_ rows: [[String]]) {
        guard let h = rows.first else { return }
        var s = "<table>\n<tr>" + h.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr>\n"
        for r in rows.dropFirst() {
            s += "<tr>" + r.enumerated().map { i, c in
                i == r.count - 1 && r.count < h.count ? "<td colspan=\"\(h.count - i)\">\(Self.escape(c))</td>" : "<td>\(Self.escape(c))</td>"
            }.joined() + "</tr>\n"
        }
        body.append(s + "</table>")
    }

    /// An inline SVG figure.
    public mutating func figure(_ svg: String, caption: String) {
        body.append("<figure>\n\(svg)\n<figcaption>\(Self.escape(caption))</figcaption>\n</figure>")
    }

    /// The page.
    public var html: String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(Self.escape(title))</title>
        <style>
        body { font-family: sans-serif; margin: 2em; color: #222; }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; font-variant-numeric: tabular-nums; }
        th:first-child, td:first-child { text-align: left; }
        figure { margin: 1.5em 0; }
        figcaption { color: #555; font-size: 90%; }
        </style>
        </head>
        <body>
        <h1>\(Self.escape(title))</h1>
        \(body.joined(separator: "\n"))
        </body>
        </html>

        """
    }

    /// Writes the page atomically.
    public func write(path: String) throws {
        let f = try AtomicOutputFile(path: path)
        try f.write(Array(html.utf8))
        try f.commit()
    }

    /// The standard comparison page: table, loss curves and the domain-vs-general scatter.
    public static func comparison(_ c: RunComparison, title: String, extra: [(svg: String, caption: String)] = []) -> HTMLReport {
        var r = HTMLReport(title: title)
        r.paragraph("Domain gain = base − run loss on the \(c.domainLabel) held-out set (higher is better). Forgetting = run − base loss on the \(c.generalLabel) held-out set (lower is better). Losses are mean cross-entropy in nats per counted token.")
        r.table(c.tableRows)
        r.figure(c.lossCurvePlot(), caption: "Training loss per step of each run (from its metrics.jsonl).")
        r.figure(c.tradeOffScatter(), caption: "Each run's domain gain against its forgetting; up and to the left is better.")
        for e in extra { r.figure(e.svg, caption: e.caption) }
        return r
    }
}
