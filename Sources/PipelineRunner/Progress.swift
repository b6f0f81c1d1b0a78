#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A one-line progress display on standard error (docs/s, MB/s, ETA), redrawn at most 5 times a second.
struct Progress {
    let totalBytes: Int
    let enabled: Bool
    let start = Date()
    var bytes = 0
    var docs = 0
    var skippedBytes = 0
    var lastDraw = Date.distantPast

    init(totalBytes: Int, enabled: Bool) {
        self.totalBytes = totalBytes
        self.enabled = enabled
    }

    mutating func skip(bytes b: Int, docs d: Int) {
        bytes += b
        docs += d
        skippedBytes += b
    }

    mutating func advance(bytes b: Int, docs d: Int) {
        bytes += b
        docs += d
        guard enabled else { return }
        let now = Date()
        if now.timeIntervalSince(lastDraw) < 0.2 { return }
        lastDraw = now
        draw(now)
    }

    func draw(_ now: Date) {
        let el = max(now.timeIntervalSince(start), 1e-3)
        let doneFrac = totalBytes > 0 ? Double(bytes) / Double(totalBytes) : 1
        let rateB = Double(bytes - skippedBytes) / el
        let eta = rateB > 0 ? Double(totalBytes - bytes) / rateB : 0
        let width = 24
        let filled = Int(doneFrac * Double(width))
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let line = String(format: "\r[%@] %3.0f%%  %d docs  %.0f docs/s  %.1f MB/s  ETA %@   ",
                          bar, doneFrac * 100, docs, Double(docs) / el, rateB / 1e6, Self.clock(eta))
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return String(format: "%02d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60)
    }

    func finish() {
        guard enabled else { return }
        draw(Date())
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
