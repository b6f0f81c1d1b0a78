import DomainForgeCore
import Testing
@testable import Extraction

/// One small hand-written page per selection principle: class/id words against the largest text block, main-content
/// landmarks, sibling sections, text kept from <header>/<noscript>/<form> bodies, ruby readings, NFC, title suffixes,
/// list documents, SVG text and manual pages.
@Suite struct ExtractionPrinciplesTests {
    static let para1 = "The reservoir holds water for the whole valley, and its level is read every morning by the keeper, who writes it in a ledger kept since the dam was built."
    static let para2 = "When the level falls below the red mark, the keeper closes the lower sluice, opens the spillway gauge, and telephones the district office before noon."
    static let menu = #"<ul class="menu"><li><a href="/">Home</a></li><li><a href="/a">About the district</a></li><li><a href="/b">Contact the office</a></li></ul>"#

    func run(_ body: String, title: String = "Reservoir", includeTitle: Bool = false, linkLists: Bool = true) throws -> HTMLExtraction {
        var o = HTMLExtractor.Options()
        o.includeTitle = includeTitle
        o.linkListPages = linkLists
        let page = "<html><head><title>\(title)</title></head><body>\(body)</body></html>"
        return try HTMLExtractor(options: o).extract(Array(page.utf8))
    }

    @Test func aClassWordNeverDiscardsTheLargestBlock() throws {
        // Drupal's label-hidden body field and a page builder's widget wrapper around the article.
        for wrapper in [#"<div class="field field--name-body field--label-hidden">"#, #"<div class="elementor-widget-container teaser">"#] {
            let r = try run("\(Self.menu)<div class=\"sidebar\"><p>Other valleys</p></div>\(wrapper)<p>\(Self.para1)</p><p>\(Self.para2)</p></div>")
            #expect(r.text == "\(Self.para1)\n\n\(Self.para2)")
        }
    }

    @Test func bootstrapHiddenClassIsNotBoilerplate() throws {
        let r = try run("\(Self.menu)<div class=\"col hidden-xs\"><p>\(Self.para1)</p></div><div class=\"col\"><p>\(Self.para2)</p></div>")
        #expect(r.text == "\(Self.para1)\n\n\(Self.para2)")
    }

    @Test func bodyInsideHeaderNoscriptOrFormIsKept() throws {
        for tag in ["header", "noscript", "form"] {
            let r = try run("<nav>\(Self.menu)</nav><\(tag)><p>\(Self.para1)</p><p>\(Self.para2)</p></\(tag)><footer><p>Copyright the district</p></footer>")
            #expect(r.text == "\(Self.para1)\n\n\(Self.para2)", "\(tag)")
        }
    }

    @Test func mainLandmarkWithNestedSectionsKeepsEverySection() throws {
        // Sphinx-like: nested <section>s whose ids are heading slugs (one reads like boilerplate).
        let body = """
            <div class="sphinxsidebar" role="navigation">\(Self.menu)</div>
            <div class="body" role="main"><section id="levels"><h1>Levels</h1><p>\(Self.para1)</p>
            <section id="related-work"><h2>Related work</h2><p>\(Self.para2)</p></section>
            <section id="comments-in-the-ledger"><h2>Comments in the ledger</h2><p>Keepers may add comments to the ledger, in pencil, on the right-hand page only, never on the left.</p></section>
            </section></div>
            <div class="footer" role="contentinfo">© Copyright 2024, the district. Created using Sphinx 5.3.0.</div>
            """
        let r = try run(body, includeTitle: true)
        #expect(r.text == """
            Levels

            \(Self.para1)

            Related work

            \(Self.para2)

            Comments in the ledger

            Keepers may add comments to the ledger, in pencil, on the right-hand page only, never on the left.
            """)
    }

    @Test func rubyReadingsAreDropped() throws {
        let r = try run("<p><ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp>字<rt>じ</rt></ruby>を読む。この文章は十分に長いので本文として選ばれるはずです。水位は毎朝読まれます。</p>")
        #expect(r.text == "漢字を読む。この文章は十分に長いので本文として選ばれるはずです。水位は毎朝読まれます。")
    }

    @Test func outputIsNFC() throws {
        let r = try run("<p>Cafe\u{301} de la re\u{301}serve: \(Self.para1)</p>", title: "Cafe\u{301}", includeTitle: true)
        #expect(r.title == "Caf\u{E9}")
        #expect(Array(r.text.unicodeScalars.prefix(4)) == Array("Caf\u{E9}".unicodeScalars))
        #expect(!r.text.unicodeScalars.contains("\u{301}"))
    }

    @Test func titleLosesTheSiteSuffix() throws {
        #expect(TextFinishing.cleanTitle("Installing — Reservoir 2.0 documentation") == "Installing")
        #expect(TextFinishing.cleanTitle("Water levels | District Office") == "Water levels")
        #expect(TextFinishing.cleanTitle("A | B") == "A | B")  // too short to be a title and a site
        #expect(TextFinishing.cleanTitle("Spillway — the long history of how the valley learned to measure its rivers") ==
                "Spillway — the long history of how the valley learned to measure its rivers")
        let r = try run("<p>\(Self.para1)</p>", title: "Levels — Reservoir Manual", includeTitle: true)
        #expect(r.title == "Levels")
        #expect(r.text == "Levels\n\n\(Self.para1)")
    }

    @Test func indexPageBecomesAListDocument() throws {
        var entries = ""
        for w in ["dam", "gauge", "keeper", "ledger", "level", "sluice", "spillway", "valley", "weir", "well"] {
            entries += "<li><a href=\"\(w).html\">\(w), entry for the \(w)</a></li>"
        }
        let body = "<p class=\"tagline\">The district manual</p>\(Self.menu)<h1>Index</h1><ul>\(entries)</ul>"
        let on = try run(body, includeTitle: true)
        // The list is the page's body under its heading: the site tagline and menu before the heading stay out.
        #expect(on.rule == "index page")
        #expect(on.text.hasPrefix("Index\n\ndam, entry for the dam\ngauge, entry for the gauge\n"))
        #expect(on.text.hasSuffix("well, entry for the well"))
        #expect(!on.text.contains("About the district"))
        let off = try run(body, linkLists: false)
        #expect(!off.text.contains("entry for the"))
    }

    @Test func svgDiagramKeepsItsText() throws {
        let svg = #"<svg viewBox="0 0 100 50"><title>diagram</title><rect width="10" height="10"/><text x="1" y="1">inlet valve</text><text x="5" y="1"><tspan>outlet</tspan> pipe</text></svg>"#
        let r = try run("<p class=\"tagline\">The district manual</p><h1>Flow</h1>\(svg)", includeTitle: true)
        #expect(r.text == "The district manual\n\nFlow\n\ninlet valve\n\noutlet pipe")
    }

    @Test func apiPageKeepsDescriptionAfterPre() throws {
        let body = "\(Self.menu)<h1>open_gate</h1><pre>int open_gate(int gate, int percent);</pre><p>\(Self.para1)</p><p>\(Self.para2)</p>"
        let r = try run(body, includeTitle: true)
        #expect(r.text == "open_gate\n\nint open_gate(int gate, int percent);\n\n\(Self.para1)\n\n\(Self.para2)")
    }

    @Test func hiddenAloneHidesButHiddenVariantsDoNot() throws {
        let r = try run("<p>\(Self.para1)</p><span class=\"hidden\">structured data copy</span><div class=\"hidden-sm\">\(Self.menu)</div><p>\(Self.para2)</p>")
        #expect(r.text == "\(Self.para1)\n\n\(Self.para2)")
    }

    @Test func mainLandmarkIsTakenWhole() throws {
        // A Javadoc-like page: <main> holds a description and member tables in separate containers.
        let body = """
            <header><nav>\(Self.menu)</nav></header><main role="main"><div class="header"><h2>Class Gate</h2></div>
            <div class="description"><p>\(Self.para1)</p></div><ul class="blockList"><li><h3>open</h3><p>\(Self.para2)</p></li></ul></main>
            <footer><p>Copyright the district, all rights reserved.</p></footer>
            """
        let r = try run(body)
        // (the title sits in a div.header, read as boilerplate: a known loss)
        #expect(r.text == "\(Self.para1)\n\nopen\n\(Self.para2)")
        #expect(r.rule == "main landmark")
        #expect(r.container == "main[role=main] (line 1)")
    }

    @Test func generatorColophonIsDropped() throws {
        let r = try run("<p>\(Self.para1)</p><p>\(Self.para2)</p><p>This document was generated on May 2, 2024 using makeinfo.</p>")
        #expect(r.text == "\(Self.para1)\n\n\(Self.para2)")
    }

    @Test func explainListsEveryBlockWithItsVerdict() throws {
        var o = HTMLExtractor.Options()
        o.explain = true
        let page = "<html><body>\n<div class=\"sidebar\"><p>Other valleys</p></div>\n<div id=\"text\"><p>\(Self.para1)</p><p>\(Self.para2)</p></div>\n</body></html>"
        let r = try HTMLExtractor(options: o).extract(Array(page.utf8))
        #expect(r.rule == "best-scoring block")
        #expect(r.container == "div#text (line 3)")
        #expect(r.containerScore == 15.04)
        let verdicts = (r.blocks ?? []).map { "\($0.element) \($0.chars) \($0.verdict)" }
        #expect(verdicts == ["html 317 outside", "body 317 outside", "div.sidebar 13 removed: class/id word",
                             "div#text 304 content", "p 154 content", "p 150 content"])
        if case .object(let m)? = r.extractionMetadata {
            #expect(m["container"] == .string("div#text (line 3)"))
            #expect(m["rule"] == .string("best-scoring block"))
        } else {
            Issue.record("no extraction metadata")
        }
    }
}
