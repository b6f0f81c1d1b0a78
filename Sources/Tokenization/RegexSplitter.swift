import Foundation

/// Fallback pre-tokenizer for Split regexes without a hand-written state machine (e.g. GPT-4o's o200k pattern):
/// runs the regex with Foundation's `NSRegularExpression` (ICU), with `\s` / `\S` rewritten to Oniguruma's
/// definition (HF `tokenizers` uses Oniguruma). Much slower than the built-in patterns, and ICU's Unicode tables
/// may differ from Oniguruma's on recently assigned characters, so parity is checked by tests only for the
/// patterns they cover.
final class RegexSplitter: @unchecked Sendable {
    /// The regexes as written in tokenizer.json, applied in order (each splits the pieces of the previous one).
    let sources: [String]
    private let regexes: [NSRegularExpression]

    init(_ sources: [String]) throws(TokenizerError) {
        self.sources = sources
        var rs = [NSRegularExpression]()
        for source in sources {
            do { rs.append(try NSRegularExpression(pattern: RegexSplitter.translate(source))) } catch {
                throw .unsupportedComponent(kind: "pre-tokenizer regex", detail: "\(source) (cannot compile: \(error))")
            }
        }
        regexes = rs
    }

    private static let space = #"\t\n\x{0B}\f\r\x{85}\p{Z}"#

    /// Rewrites `\s` and `\S` (outside character classes) and `\s` inside classes to Oniguruma's whitespace set.
    static func translate(_ p: String) -> String {
        var out = ""
        var inClass = 0
        let it = Array(p)
        var i = 0
        while i < it.count {
            let c = it[i]
            if c == "\\" && i + 1 < it.count {
                let d = it[i + 1]
                if d == "s" { out += inClass > 0 ? space : "[\(space)]" }
                else if d == "S" && inClass == 0 { out += "[^\(space)]" }
                else { out.append(c); out.append(d) }
                i += 2; continue
            }
            if c == "[" { inClass += 1 } else if c == "]" && inClass > 0 { inClass -= 1 }
            out.append(c); i += 1
        }
        return out
    }

    /// Splits like HF `Split(behavior: Isolated)`: matches and the text between them, in order.
    func split(_ p: UnsafePointer<UInt8>, _ n: Int, _ body: (Int, Int) -> Void) {
        split(level: 0, p, 0, n, body)
    }

    private func split(level: Int, _ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int, _ body: (Int, Int) -> Void) {
        if level == regexes.count { body(from, to); return }
        splitOne(regexes[level], base + from, to - from) { s, e in split(level: level + 1, base, from + s, from + e, body) }
    }

    private func splitOne(_ regex: NSRegularExpression, _ p: UnsafePointer<UInt8>, _ n: Int, _ body: (Int, Int) -> Void) {
        let s = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        var map = [Int]()
        map.reserveCapacity(n + 1)
        var u8 = 0
        for sc in s.unicodeScalars {
            map.append(u8)
            if sc.value > 0xFFFF { map.append(u8) }
            u8 += sc.utf8.count
        }
        map.append(u8)
        var last = 0
        for m in regex.matches(in: s, range: NSRange(location: 0, length: map.count - 1)) where m.range.length > 0 {
            let a = map[m.range.location], b = map[m.range.location + m.range.length]
            if a > last { body(last, a) }
            body(a, b)
            last = b
        }
        if last < n { body(last, n) }
    }
}
