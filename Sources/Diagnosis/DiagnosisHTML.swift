import Foundation
import Tokenization

/// A self-contained HTML page of a diagnosis: the text report, fertility bars and per-token loss histograms of domain
/// against general text as inline SVG.
public enum DiagnosisHTML {
    /// The page.
    public static func page(_ r: DiagnosisReport) -> String {
        let v = r.vocabulary
        var bars: [(String, Double)] = [("general", v.general.value), ("domain", v.domain.value)]
        if let e = v.extendedDomain { bars.append(("domain, extended", e.value)) }
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>diagnosis: \(escape(r.recommendation.headline))</title>
            <style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}</style>
            </head><body>
            <h1>Recommendation: \(escape(r.recommendation.headline))</h1>
            <ul>\(r.recommendation.reasons.map { "<li>\(escape($0))</li>" }.joined())</ul>
            <h2>Fertility (tokens per \(escape(v.domain.unit)))</h2>
            \(barChart(bars))
            <h2>Per-token loss, domain against general</h2>
            \(histogram(domain: r.domainLoss.histogram, general: r.generalLoss.histogram))
            <h2>Report</h2>
            <pre>\(escape(r.text))</pre>
            </body></html>

            """
    }

    /// Horizontal bars with their values.
    static func barChart(_ bars: [(String, Double)]) -> String {
        let maxV = max(bars.map(\.1).max() ?? 1, 1e-9)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"520\" height=\"\(bars.count * 30 + 10)\">"
        for (i, (label, value)) in bars.enumerated() {
            let w = Int((value / maxV * 300).rounded()), y = 10 + i * 30
            s += "<text x=\"0\" y=\"\(y + 15)\" font-size=\"13\">\(escape(label))</text>"
            s += "<rect x=\"130\" y=\"\(y)\" width=\"\(w)\" height=\"20\" fill=\"\(i == 0 ? "#888" : "#3672b0")\"/>"
            s += "<text x=\"\(135 + w)\" y=\"\(y + 15)\" font-size=\"13\">\(formatNumber((value * 1000).rounded() / 1000))</text>"
        }
        return s + "</svg>"
    }

    /// Two normalized histograms side by side per bin (general grey, domain blue).
    static func histogram(domain: [Int], general: [Int]) -> String {
        let dt = Double(max(1, domain.reduce(0, +))), gt = Double(max(1, general.reduce(0, +)))
        let shares = zip(domain, general).map { (Double($0) / dt, Double($1) / gt) }
        let top = max(shares.map { max($0.0, $0.1) }.max() ?? 1, 1e-9)
        let bw = 24, h = 200
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(shares.count * bw + 20)\" height=\"\(h + 50)\">"
        for (i, (d, g)) in shares.enumerated() {
            let x = 10 + i * bw
            let gh = Int((g / top * Double(h)).rounded()), dh = Int((d / top * Double(h)).rounded())
            s += "<rect x=\"\(x)\" y=\"\(h - gh)\" width=\"\(bw / 2 - 1)\" height=\"\(gh)\" fill=\"#888\"/>"
            s += "<rect x=\"\(x + bw / 2)\" y=\"\(h - dh)\" width=\"\(bw / 2 - 1)\" height=\"\(dh)\" fill=\"#3672b0\"/>"
            if i % 4 == 0 { s += "<text x=\"\(x)\" y=\"\(h + 15)\" font-size=\"11\">\(formatNumber(Double(i) * LossProfile.binWidth))</text>" }
        }
        s += "<text x=\"10\" y=\"\(h + 35)\" font-size=\"12\">loss (nats) — grey: general, blue: domain; bar height: share of tokens</text>"
        return s + "</svg>"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
