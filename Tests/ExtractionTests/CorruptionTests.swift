import Testing
@testable import Extraction

/// Deterministic pseudo-random corruption of real fixtures: truncations, byte flips, inserted NULs and markup.
/// Every input must come back as a result or a typed error, never a crash or a hang.
@Suite struct CorruptionTests {
    struct LCG {
        var state: UInt64
        mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    }

    static func mutations(of base: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = LCG(state: seed)
        let snippets: [[UInt8]] = ["<", ">", "</div>", "<p>", "<!--", "]]>", "<![CDATA[", "&", "&#x110000;", "&bogus;", "\"", "<script>", "<!DOCTYPE x [<!ENTITY e \"ee\">]>", "\u{FFFF}", "\r\n"].map { Array($0.utf8) }
        var out: [[UInt8]] = []
        for _ in 0..<count {
            var b = base
            switch rng.below(4) {
            case 0: b = Array(b.prefix(rng.below(b.count)))
            case 1: for _ in 0..<(1 + rng.below(20)) where !b.isEmpty { b[rng.below(b.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2: for _ in 0..<(1 + rng.below(10)) { b.insert(contentsOf: snippets[rng.below(snippets.count)], at: rng.below(b.count + 1)) }
            default:
                let a = rng.below(b.count), n = rng.below(200)
                b.removeSubrange(a..<min(b.count, a + n))
            }
            out.append(b)
        }
        return out
    }

    @Test func corruptedHTMLNeverCrashes() throws {
        let ex = HTMLExtractor()
        for input in Self.mutations(of: try fixture("article.html"), count: 200, seed: 1) {
            do { _ = try ex.extract(input) } catch { guard case .notHTML = error else { Issue.record("unexpected \(error)"); continue } }
        }
    }

    @Test func corruptedXMLNeverCrashes() throws {
        let ex = try XMLRecordExtractor(selector: XMLSelector(documents: "//QAPair", text: ["Question", "Answer"], id: "@pid"))
        var ok = 0, failed = 0
        for input in Self.mutations(of: try fixture("medquad-sample.xml"), count: 200, seed: 2) {
            let r = input.withUnsafeBytes { raw in Result { () throws(ExtractionError) in try ex.extract(raw, fileName: "m.xml") } }
            switch r {
            case .success(let records):
                ok += 1
                #expect(records.allSatisfy { $0.id != nil }, "a record without its @pid id")
            case .failure(let e):
                failed += 1
                switch e {
                case .malformedXML, .refusedXML: #expect(!e.description.isEmpty)
                default: Issue.record("unexpected \(e)")
                }
            }
        }
        // the mutations exercise both outcomes: some inputs still parse, others are refused with a parse error
        #expect(ok > 0 && failed > 0, "\(ok) parsed, \(failed) refused")
    }
}
