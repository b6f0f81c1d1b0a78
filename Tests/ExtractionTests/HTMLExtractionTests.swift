import Foundation
import Testing
@testable import Extraction

func extractHTML(_ bytes: [UInt8], includeTitle: Bool = true, declaredCharset: String? = nil) throws(ExtractionError) -> HTMLExtraction {
    var o = HTMLExtractor.Options()
    o.includeTitle = includeTitle
    return try HTMLExtractor(options: o).extract(bytes, declaredCharset: declaredCharset)
}

@Suite struct HTMLExtractionTests {
    @Test func articleWithBoilerplateAroundIt() throws {
        let r = try extractHTML(try fixture("article.html"))
        #expect(r.title == "Tuning the Query Planner")
        #expect(r.charset == "utf-8")
        let expected = """
            Tuning the Query Planner

            The planner chooses a plan by estimating the cost of each alternative, using statistics gathered by ANALYZE. \
            When those statistics are stale, estimates drift and plans degrade.

            Checking estimates

            Run EXPLAIN ANALYZE and compare estimated rows with actual rows, node by node, starting from the leaves.

            Look for large row misestimates.
            Check whether indexes are used.

            EXPLAIN ANALYZE
            SELECT * FROM orders
              WHERE customer_id = 42;

            Setting | Default
            random_page_cost | 4.0

            Lowering random_page_cost on fast storage often helps, but measure before and after.
            """
        #expect(r.text == expected)
        for junk in ["cookies", "News", "Popular", "Tweet", "Related", "Great post", "Subscribe", "rights reserved", "track(", "font-family"] {
            #expect(!r.text.contains(junk), "boilerplate '\(junk)' leaked")
        }
    }

    @Test func longCommentThreadAndConsentBannerAreNotContent() throws {
        let r = try extractHTML(try fixture("blog-long-comments.html"), includeTitle: false)
        #expect(r.title == "Why we moved to SQLite")  // the " | Site" suffix is cut
        #expect(r.text == """
            For years our small service ran on a managed PostgreSQL instance, and for years it was mostly idle, costing more than everything else combined.

            Moving to SQLite in WAL mode cut the bill to zero, removed a network hop from every request, and made backups a matter of copying one file.

            The trade-off is a single writer. For a service with one process and a few writes per second, that trade-off is invisible.
            """)
    }

    @Test func stockPhrasesAndLeadInLinkLinesAreDropped() throws {
        let p = "<p>The council approved the budget on Tuesday, after a debate that lasted well into the night.</p>"
        let html = "<body><div class=\"story\">" + p + "<p>ADVERTISEMENT</p><p>READ MORE: <a href=\"/x\">Council row over bins escalates</a></p>"
            + "<div>Related: <a href=\"/y\">Budget explained</a></div><p>Don’t miss</p>" + p.replacingOccurrences(of: "Tuesday", with: "Friday") + "</div></body>"
        let r = try extractHTML(Array(html.utf8), includeTitle: false)
        #expect(r.text == "The council approved the budget on Tuesday, after a debate that lasted well into the night.\n\n"
            + "The council approved the budget on Friday, after a debate that lasted well into the night.")
    }

    @Test func titleIsPrependedWhenContentHasNoH1() throws {
        let html = "<html><head><title>Doc</title></head><body><div><p>" + String(repeating: "Plain words in a paragraph, with commas. ", count: 5) + "</p></div></body></html>"
        let r = try extractHTML(Array(html.utf8))
        #expect(r.text.hasPrefix("Doc\n\nPlain words"))
        let r2 = try extractHTML(Array(html.utf8), includeTitle: false)
        #expect(r2.text.hasPrefix("Plain words"))
        #expect(r2.title == "Doc")
    }

    @Test func latin1WithoutMetaFallsBackToWindows1252() throws {
        let r = try extractHTML(try fixture("latin1-nometa.html"), includeTitle: false)
        #expect(r.charset == "windows-1252")
        #expect(r.title == "Café crème")
        #expect(r.text == "Un café crème coûte deux euros € la terrasse, naïvement servi avec une tasse d’eau.")
    }

    @Test func metaCharsetAndDeclaredCharset() throws {
        let body: [UInt8] = Array("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"></head><body><p>".utf8)
            + [0x63, 0x61, 0x66, 0xE9] + Array("</p></body></html>".utf8)
        let r = try extractHTML(body, includeTitle: false)
        #expect(r.charset == "windows-1252")
        #expect(r.text == "café")
        let utf8Body = Array("<p>café</p>".utf8)
        let r2 = try extractHTML(utf8Body, declaredCharset: "text/html; charset=UTF-8")
        #expect(r2.text == "café")
        #expect(r2.charset == "utf-8")
    }

    @Test func otherCharsetsAreConvertedWithIconv() throws {
        // ISO-8859-2: 0xB1 is "ą", 0xEA is "ę".
        let head = Array("<html><head><meta charset=\"iso-8859-2\"></head><body><p>".utf8)
        let r = try extractHTML(head + [0x7A, 0xB1, 0x62, 0x20, 0x70, 0xEA, 0x64] + Array("</p></body></html>".utf8), includeTitle: false)
        #expect(r.text == "ząb pęd")
        #expect(r.charset == "iso-8859-2")
        // Shift_JIS with broken bytes must not crash.
        let sj = Array("<html><head><meta charset=\"shift_jis\"></head><body><p>".utf8)
        let r2 = try extractHTML(sj + [0x82, 0xA0, 0xFF, 0x82, 0x20, 0x81] + Array(" text after the bad bytes</p></body></html>".utf8))
        #expect(r2.text.hasPrefix("あ\u{FFFD}"))
        #expect(r2.text.hasSuffix("text after the bad bytes"))  // the decoder did not stop at the bad bytes
        #expect(r2.charset == "shift_jis")
    }

    @Test func invalidUTF8IsReplacedNotFatal() throws {
        // Mostly valid UTF-8 with a few broken sequences: decoded as UTF-8, bad bytes become U+FFFD.
        var bytes = Array("<html><head><meta charset=\"utf-8\"></head><body><p>naïve café résumé ".utf8)
        bytes += [0xFF, 0xC3]
        bytes += Array(" déjà vu, piñata, jalapeño, crème brûlée, façade, coöperate</p></body></html>".utf8)
        let r = try extractHTML(bytes, includeTitle: false)
        #expect(r.text.hasPrefix("naïve café résumé"))
        #expect(r.text.contains("\u{FFFD}"))
        #expect(r.text.hasSuffix("coöperate"))
    }

    @Test func utf16WithBOM() throws {
        let s = "<html><body><p>Grüße aus Köln</p></body></html>"
        let bytes: [UInt8] = [0xFF, 0xFE] + s.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let r = try extractHTML(bytes)
        #expect(r.text == "Grüße aus Köln")
        #expect(r.charset == "utf-16le")
        // Without BOM, big-endian: recognised by its NUL pattern rather than rejected as binary.
        let be: [UInt8] = s.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let r2 = try extractHTML(be)
        #expect(r2.text == "Grüße aus Köln")
        #expect(r2.charset == "utf-16be")
    }

    @Test func binaryGarbageIsNotHTML() throws {
        var g = [UInt8](repeating: 0, count: 4096)
        var x: UInt32 = 12345
        for i in 0..<g.count { x = x &* 1103515245 &+ 12345; g[i] = UInt8(truncatingIfNeeded: x >> 16) }
        #expect(throws: ExtractionError.self) { try extractHTML(g) }
        do {
            _ = try extractHTML([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52] + [UInt8](repeating: 0, count: 64))
            Issue.record("PNG header accepted as HTML")
        } catch {
            guard case .notHTML(let m) = error else { Issue.record("wrong error"); return }
            #expect(m.contains("binary"))
        }
    }

    @Test func malformedHTMLRecovers() throws {
        let html = "<html><body><div><p>First paragraph that is <b>bold <i>and italic</p><p>Second paragraph<table><tr><td>cell one<td>cell two</table><ul><li>one<li>two</ul></div>"
        let r = try extractHTML(Array(html.utf8), includeTitle: false)
        #expect(r.text.contains("First paragraph that is bold and italic"))
        #expect(r.text.contains("Second paragraph"))
        #expect(r.text.contains("cell one | cell two"))
        #expect(r.text.contains("one\ntwo"))
    }

    @Test(arguments: ["div", "span", "li", "table"])
    func deepNestingDoesNotCrash(tag: String) throws {
        let depth = 100_000
        var s = "<html><body>"
        s.reserveCapacity(depth * (2 * tag.count + 5) + 100)
        for _ in 0..<depth { s += "<\(tag)>" }
        s += "<p>deep text here</p>"
        for _ in 0..<depth { s += "</\(tag)>" }
        s += "</body></html>"
        let start = ContinuousClock.now
        let r = try extractHTML(Array(s.utf8), includeTitle: false)
        #expect(ContinuousClock.now - start < .seconds(30))
        // libxml2 may cap the depth; whatever it keeps must come out without a crash.
        #expect(r.text.count < 100)
    }

    @Test func emptyFileGivesEmptyText() throws {
        let r = try extractHTML([])
        #expect(r.text == "")
        #expect(r.title == nil)
        let r2 = try extractHTML(Array("   \n ".utf8))
        #expect(r2.text == "")
        #expect(try extractHTML([0xEF, 0xBB, 0xBF]).text == "")
        #expect(try extractHTML([0xFF, 0xFE]).text == "")
    }

    @Test func whitespaceCollapsedExceptPreAndBrBreaksLines() throws {
        let html = "<body><div><p>  many \n\t spaces   here  </p><p>line one<br>line two</p><pre>  keep\n    this</pre></div></body>"
        let r = try extractHTML(Array(html.utf8), includeTitle: false)
        #expect(r.text == "many spaces here\n\nline one\nline two\n\n  keep\n    this")
        let r3 = try extractHTML(Array("<body><div>First paragraph, old style.<br><br>Second one.<br>Same paragraph.</div></body>".utf8), includeTitle: false)
        #expect(r3.text == "First paragraph, old style.\n\nSecond one.\nSame paragraph.")
        let r2 = try extractHTML(Array("<body><div><pre>\ncode line\n</pre><p>after it</p></div></body>".utf8), includeTitle: false)
        #expect(r2.text == "code line\n\nafter it")
    }

    @Test func invisibleCharactersAreDropped() throws {
        let html = "<p>hy\u{00AD}phen\u{00A0}and zero\u{200B}width\u{FEFF}</p>"
        #expect(try extractHTML(Array(html.utf8), includeTitle: false).text == "hyphen and zerowidth")
    }

    @Test func permalinkAnchorsAreDropped() throws {
        let html = "<body><div class=\"body\"><h1>json — JSON encoder<a class=\"headerlink\" href=\"#x\">¶</a></h1><p>Text of the section, with enough words to be content.</p></div></body>"
        let r = try extractHTML(Array(html.utf8))
        #expect(r.text == "json — JSON encoder\n\nText of the section, with enough words to be content.")
    }

    @Test func hiddenElementsAndScriptsAreDropped() throws {
        let html = "<body><article><p>Visible text of the article, long enough to count as a paragraph.</p><p style=\"display: none\">Hidden promo</p><div hidden>Also hidden</div><script>var x = 1;</script><noscript>Enable JS</noscript></article></body>"
        let r = try extractHTML(Array(html.utf8), includeTitle: false)
        #expect(r.text == "Visible text of the article, long enough to count as a paragraph.")
    }

    @Test func wholePageOption() throws {
        var o = HTMLExtractor.Options()
        o.wholePage = true
        o.includeTitle = false
        let r = try HTMLExtractor(options: o).extract(try fixture("article.html"))
        #expect(r.text.contains("Popular"))
        #expect(r.text.contains("Tuning the Query Planner"))
        #expect(!r.text.contains("track("))
    }

    @Test func concurrentExtractionFromTwoThreads() async throws {
        let bytes = try fixture("article.html")
        let ex = HTMLExtractor()
        let expected = try ex.extract(bytes)
        let ok = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    for _ in 0..<100 { if (try? ex.extract(bytes)) != expected { return false } }
                    return true
                }
            }
            return await group.allSatisfy { $0 }
        }
        #expect(ok)
    }
}
