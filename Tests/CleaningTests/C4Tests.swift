import DomainForgeCore
import Testing
@testable import Cleaning

@Suite struct C4LinesStageTests {
    let stage = C4LinesStage()

    @Test func keepsOnlyProseLines() {
        let text = """
        Home | News | Contact
          The council approved the new budget on Monday.  
        Read more...
        Is this the end of the old plan?

        "We are very pleased," the mayor said.
        Too short.
        This site uses cookies to improve your experience.
        Please enable JavaScript to view the comments.
        See our Privacy Policy for details.
        Prices rose by three percent last year!
        """
        let r = run(stage, text)
        #expect(r.verdict == .keep)
        #expect(r.text == """
        The council approved the new budget on Monday.
        Is this the end of the old plan?
        "We are very pleased," the mayor said.
        Prices rose by three percent last year!
        """)
        #expect(r.counters["c4_lines_kept"] == 4)
        #expect(r.counters["c4_lines_removed_no_terminal_punct"] == 2)
        #expect(r.counters["c4_lines_removed_too_few_words"] == 1)
        #expect(r.counters["c4_lines_removed_javascript"] == 1)
        #expect(r.counters["c4_lines_removed_policy"] == 2)
    }

    @Test func removesCitations() {
        let r = run(stage, "The river is long.[1] It floods often.[12][edit]\nIts source is unknown. [citation needed]\nArrays use [] here.")
        #expect(r.text == "The river is long. It floods often.\nIts source is unknown.\nArrays use  here.")
        #expect(r.counters["c4_citations_removed"] == 5)
        // [a] and [ 1] are not citations.
        #expect(run(stage, "See note [a] and [ 1] too.").text == "See note [a] and [ 1] too.")
    }

    @Test func longWordLineRemoved() {
        let long = String(repeating: "x", count: 1001)
        let r = run(stage, "A normal line is here.\nThis has \(long) in it.")
        #expect(r.text == "A normal line is here.")
        #expect(r.counters["c4_lines_removed_too_long_word"] == 1)
    }

    @Test func unchangedTextStaysIdentical() {
        let r = run(stage, goodLines)
        #expect(r.text == goodLines)
        #expect(r.counters["c4_lines_kept"] == 10)
    }

    @Test func nothingLeftIsExplicitDrop() {
        #expect(run(stage, "").verdict == dropped("c4_no_lines"))
        #expect(run(stage, "  \n \n").verdict == dropped("c4_no_lines"))
        #expect(run(stage, "Menu\nLogin\nWait...").verdict == dropped("c4_no_lines"))
        #expect(run(stage, "word").verdict == dropped("c4_no_lines"))
    }

    @Test func togglesAndNonLatin() {
        var o = C4LinesStage.Options()
        o.filterNoTerminalPunct = false
        o.minWordsPerLine = nil
        o.filterJavascript = false
        o.filterPolicy = false
        o.removeCitations = false
        let lax = C4LinesStage(options: o)
        #expect(run(lax, "Menu\nJavaScript rules[1]\nterms of use").text == "Menu\nJavaScript rules[1]\nterms of use")
        // Chinese sentences end in 。 and have no spaces: with C4's defaults they are removed.
        #expect(run(stage, "\u{8FD9}\u{662F}\u{4E00}\u{4E2A}\u{53E5}\u{5B50}\u{3002}").verdict == dropped("c4_no_lines"))
        #expect(run(lax, "\u{8FD9}\u{662F}\u{4E00}\u{4E2A}\u{53E5}\u{5B50}\u{3002}").verdict == .keep)
        // Arabic with spaces and a full stop is kept.
        let arabic = "\u{647}\u{630}\u{627} \u{646}\u{635} \u{639}\u{631}\u{628}\u{64A} \u{642}\u{635}\u{64A}\u{631}."
        #expect(run(stage, arabic).text == arabic)
    }
}

@Suite struct C4DocumentFilterTests {
    let stage = C4DocumentFilter()

    @Test func reasons() {
        #expect(run(stage, goodProse).verdict == .keep)
        #expect(run(stage, goodProse + " Lorem Ipsum dolor sit amet.").verdict == dropped("lorem_ipsum"))
        #expect(run(stage, goodProse + " Use f() { return 1 }.").verdict == dropped("curly_bracket"))
        #expect(run(stage, "One. Two. Three. Four.").verdict == dropped("too_few_sentences"))
        #expect(run(stage, "One. Two. Three. Four. Five.").verdict == .keep)
        #expect(run(stage, "").verdict == dropped("too_few_sentences"))
        var o = C4DocumentFilter.Options()
        o.filterCurlyBracket = false
        o.minNumSentences = nil
        #expect(run(C4DocumentFilter(options: o), "{}").verdict == .keep)
        #expect(run(C4DocumentFilter(options: o), "lorem ipsum").verdict == dropped("lorem_ipsum"))
    }

    @Test func sentenceRule() {
        func count(_ s: String) -> Int {
            var copy = s
            return copy.withUTF8 { C4DocumentFilter.countSentences($0) }
        }
        #expect(count("") == 0)
        #expect(count("...") == 0)
        #expect(count("Hello") == 1)
        #expect(count("Pi is 3.14 today. Visit example.com now!") == 2)
        #expect(count("He said \"stop.\" Then he left.") == 2)
        #expect(count("Wait... what?! Really?") == 3)
        #expect(count("A heading\nA line. Another one") == 3)
        #expect(count("e.g. this") == 2)  // the simple rule splits abbreviations
        #expect(count("\u{4ECA}\u{5929}\u{5F88}\u{597D}\u{3002}\u{6211}\u{4EEC}\u{8D70}\u{5427}\u{FF01}\u{771F}\u{7684}\u{FF1F}") == 3)
        #expect(count("1. 2. 3.") == 3)
    }
}
