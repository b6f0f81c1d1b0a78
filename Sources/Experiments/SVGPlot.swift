import Foundation

/// Minimal self-contained SVG charts (no scripts, no external files): line charts and labelled scatter plots with
/// axes, ticks and a legend. Values that are not finite are left out.
public struct SVGPlot {
    /// A named series of (x, y) points.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) { self.name = name; self.points = points }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var width = 640.0
    public var height = 360.0

    public init(title: String, xLabel: String, yLabel: String) { self.title = title; self.xLabel = xLabel; self.yLabel = yLabel }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// Lines through each series (with markers when `markers`).
    public func lines(_ series: [Series], markers: Bool = false) -> String { draw(series, lines: true, markers: markers, labels: false) }

    /// One marker per point, labelled with its series name.
    public func scatter(_ series: [Series]) -> String { draw(series, lines: false, markers: true, labels: true) }

    func draw(_ input: [Series], lines: Bool, markers: Bool, labels: Bool) -> String {
        let series = input.map { Series(name: $0.name, points: $0.points.filter { $0.x.isFinite && $0.y.isFinite }) }
        let all = series.flatMap(\.points)
        var (x0, x1) = (all.map(\.x).min() ?? 0, all.map(\.x).max() ?? 1)
        var (y0, y1) = (all.map(\.y).min() ?? 0, all.map(\.y).max() ?? 1)
        if labels { x0 = min(x0, 0); x1 = max(x1, 0); y0 = min(y0, 0); y1 = max(y1, 0) }  // scatter: show the origin
        if x1 - x0 < 1e-12 { x0 -= 0.5; x1 += 0.5 }
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        let padY = (y1 - y0) * 0.05
        y0 -= padY; y1 += padY
        if labels { let padX = (x1 - x0) * 0.08; x0 -= padX; x1 += padX }
        let left = 64.0, right = 150.0, top = 30.0, bottom = 44.0
        let pw = width - left - right, ph = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<title>\(HTMLReport.escape(title))</title>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"white\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">\(HTMLReport.escape(title))</text>\n"
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#888\"/>\n"
        for i in 0...4 {
            let xv = x0 + (x1 - x0) * Double(i) / 4, yv = y0 + (y1 - y0) * Double(i) / 4
            s += "<text x=\"\(f(px(xv)))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\">\(Self.tick(xv))</text>\n"
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(py(yv) + 4))\" text-anchor=\"end\">\(Self.tick(yv))</text>\n"
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(yv)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(yv)))\" stroke=\"#eee\"/>\n"
        }
        if labels {  // axes through zero
            s += "<line x1=\"\(f(px(0)))\" y1=\"\(f(top))\" x2=\"\(f(px(0)))\" y2=\"\(f(top + ph))\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>\n"
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(0)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(0)))\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>\n"
        }
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(HTMLReport.escape(xLabel))</text>\n"
        s += "<text x=\"14\" y=\"\(f(top + ph / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f(top + ph / 2)))\">\(HTMLReport.escape(yLabel))</text>\n"
        for (k, ser) in series.enumerated() {
            let c = Self.colors[k % Self.colors.count]
            if lines && ser.points.count > 1 {
                let pts = ser.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                s += "<polyline fill=\"none\" stroke=\"\(c)\" stroke-width=\"1.5\" points=\"\(pts)\"/>\n"
            }
            if markers || ser.points.count == 1 {
                for p in ser.points {
                    s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"4\" fill=\"\(c)\"><title>\(HTMLReport.escape(ser.name)): (\(Self.tick(p.x)), \(Self.tick(p.y)))</title></circle>\n"
                    if labels { s += "<text x=\"\(f(px(p.x) + 6))\" y=\"\(f(py(p.y) - 6))\" fill=\"\(c)\">\(HTMLReport.escape(ser.name))</text>\n" }
                }
            }
            let ly = top + 14 * Double(k) + 8
            s += "<rect x=\"\(f(left + pw + 10))\" y=\"\(f(ly - 8))\" width=\"10\" height=\"10\" fill=\"\(c)\"/>"
            s += "<text x=\"\(f(left + pw + 24))\" y=\"\(f(ly + 1))\">\(HTMLReport.escape(String(ser.name.prefix(20))))</text>\n"
        }
        return s + "</svg>"
    }

    /// A short tick label.
    static func tick(_ v: Double) -> String {
        let a = abs(v)
        if a != 0 && (a >= 1e5 || a < 1e-3) { return String(format: "%.2e", v) }
        if a >= 100 { return String(format: "%.0f", v) }
        return String(format: a >= 10 ? "%.1f" : "%.3f", v)
    }
}
