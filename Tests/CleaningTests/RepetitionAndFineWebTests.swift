import DomainForgeCore
import Testing
@testable import Cleaning

@Suite struct GopherRepetitionFilterTests {
    let stage = GopherRepetitionFilter()

    @Test func goodProseIsKept() {
        #expect(run(stage, goodProse).verdict == .keep)
        #expect(run(stage, goodLines).verdict == .keep)
    }

    @Test func duplicateParagraphsAndLines() {
        let paras = ["First paragraph about rivers.", "Second paragraph about hills.", "Third one.", "First paragraph about rivers."]
        // 1 duplicate of 4 paragraphs = 0.25 (kept by count), its chars 29 of 103 = 0.28 > 0.2.
        #expect(run(stage, paras.joined(separator: "\n\n")).verdict == dropped("dup_para_char_frac"))
        let many = ["Alpha beta.", "Gamma delta.", "Alpha beta.", "Alpha beta."].joined(separator: "\n\n")
        #expect(run(stage, many).verdict == dropped("dup_para_frac"))
        var o = GopherRepetitionFilter.Options()
        o.dupParaFrac = nil
        o.dupParaCharFrac = nil
        #expect(run(GopherRepetitionFilter(options: o), many).verdict == dropped("dup_line_frac"))
        o.dupLineFrac = nil
        #expect(run(GopherRepetitionFilter(options: o), many).verdict == dropped("dup_line_char_frac"))
    }

    @Test func topNGram() {
        // The 2-gram "big cat" covers 7 * 7 = 49 of 94 characters.
        let text = "the big cat and a big cat saw one big cat by some big cat near big cat or big cat plus big cat"
        #expect(run(stage, text).verdict == dropped("top_2_gram"))
        // A short document is its own top 2-gram (datatrove behaviour): "Hello world" is 100% of the text.
        #expect(run(stage, "Hello world").verdict == dropped("top_2_gram"))
        var o = GopherRepetitionFilter.Options()
        o.topNGrams = [:]
        #expect(run(GopherRepetitionFilter(options: o), "Hello world").verdict == .keep)
    }

    @Test func duplicatedNGrams() {
        // A repeated 10-word span inside otherwise distinct words.
        let span = "one two three four five six seven eight nine ten"
        var filler: [String] = []
        for i in 0..<120 { filler.append("w\(i)x") }
        let text = filler[0..<60].joined(separator: " ") + " " + span + " " + filler[60...].joined(separator: " ") + " " + span
        var o = GopherRepetitionFilter.Options()
        o.topNGrams = [:]
        let r = run(GopherRepetitionFilter(options: o), text)
        // Duplicated chars 39 (no spaces) of 707: 0.055, below every threshold.
        #expect(r.verdict == .keep)
        o.dupNGrams = [5: 0.05]
        #expect(run(GopherRepetitionFilter(options: o), text).verdict == dropped("duplicated_5_n_grams"))
        o.dupNGrams = [10: 0.05]
        #expect(run(GopherRepetitionFilter(options: o), text).verdict == dropped("duplicated_10_n_grams"))
    }

    @Test func matchesDatatroveFindAllDuplicate() {
        // datatrove: words a b a b a b, n=2 → "ab" seen, "ba" seen, "ab" dup (+2, skip 2), "ab" dup (+2): 4 chars.
        var text = "a b a b a b"
        let n = text.withUTF8 { p -> Int in
            var tokens = [WordToken]()
            tokenizeWords(p, into: &tokens)
            return tokens.count
        }
        #expect(n == 6)
        var o = GopherRepetitionFilter.Options()
        o.dupParaFrac = nil; o.dupParaCharFrac = nil; o.dupLineFrac = nil; o.dupLineCharFrac = nil
        o.topNGrams = [:]
        o.dupNGrams = [2: 0.36]  // 4 / 11 = 0.3636
        #expect(run(GopherRepetitionFilter(options: o), text).verdict == dropped("duplicated_2_n_grams"))
        o.dupNGrams = [2: 0.37]
        #expect(run(GopherRepetitionFilter(options: o), text).verdict == .keep)
        _ = text.isEmpty
    }

    @Test func edgeCases() {
        #expect(run(stage, "").verdict == dropped("empty"))
        #expect(run(stage, "\n\n\n").verdict == dropped("dup_line_frac"))  // ["", ""] after split: one duplicate of two
        #expect(run(stage, "word").verdict == .keep)
        let chinese = "\u{8FD9}\u{662F}\u{4E00}\u{4E2A}\u{53E5}\u{5B50}\u{3002}\u{6211}\u{4EEC}\u{8D70}\u{5427}\u{3002}"
        // Without spaces this is 2 tokens (the text and its final 。), so the one 2-gram is the whole text.
        #expect(run(stage, chinese).verdict == dropped("top_2_gram"))
        #expect(run(stage, String(repeating: chinese + "\n", count: 5)).verdict == dropped("dup_line_frac"))
    }
}

@Suite struct FineWebFilterTests {
    let stage = FineWebFilter()

    @Test func goodProseIsKept() {
        #expect(run(stage, goodProse).verdict == .keep)
        #expect(run(stage, goodLines).verdict == .keep)
    }

    @Test func reasons() {
        let menu = (1...10).map { "Menu entry number \($0) of the navigation bar on this page" }.joined(separator: "\n")
        #expect(run(stage, menu).verdict == dropped("line_punct_ratio"))
        let short = goodLines + "\n" + (1...30).map { "Item \($0)." }.joined(separator: "\n")
        #expect(run(stage, short).verdict == dropped("short_line_ratio"))
        let dup = goodLines + "\nThe history of the river valley begins with the farmers who settled along its banks."
            + "\nTrade with the coast brought salt, iron tools and news from distant cities to the valley."
        #expect(run(stage, dup).verdict == dropped("char_dup_ratio"))
        let list = (1...20).map { "This is list item number \($0)." }.joined(separator: "\n")
        var o = FineWebFilter.Options()
        o.shortLineThr = nil
        #expect(run(FineWebFilter(options: o), list).verdict == .keep)
        let tight = (1...20).map { "Item \($0)." }.joined(separator: "\n")
        #expect(run(FineWebFilter(options: o), tight).verdict == dropped("list_ratio"))
    }

    @Test func excludeZeroAndEdges() {
        #expect(run(stage, "").verdict == dropped("empty"))
        #expect(run(stage, "  \n\n\t\n").verdict == dropped("empty"))
        let menu = "Menu one two three four five six seven\nAnother menu line that is long enough here"
        #expect(run(stage, menu).verdict == dropped("line_punct_ratio"))
        var o = FineWebFilter.Options()
        o.linePunctExcludeZero = true
        #expect(run(FineWebFilter(options: o), menu).verdict == .keep)
        // Blank lines do not count: one punctuated line of two non-blank ones.
        #expect(run(stage, "A long enough line that ends with a full stop.\n\n\n\nAnother long line without any stop").verdict == .keep)
        // A line ending in ". " (not stripped) is not punctuated.
        #expect(run(stage, "A long enough line that ends with a stop and a space. ").verdict == dropped("line_punct_ratio"))
        // Chinese: 。 is terminal punctuation; one short line is a short-line page.
        let chinese = "\u{8FD9}\u{662F}\u{4E00}\u{4E2A}\u{53E5}\u{5B50}\u{3002}"
        #expect(run(stage, chinese).verdict == dropped("short_line_ratio"))
        #expect(run(stage, String(repeating: "\u{8FD9}\u{662F}\u{4E00}\u{4E2A}\u{53E5}\u{5B50}", count: 6) + "\u{3002}").verdict == .keep)
    }
}
