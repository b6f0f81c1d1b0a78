import DomainForgeCore
import Testing
@testable import Cleaning

@Suite struct GopherQualityFilterTests {
    let stage = GopherQualityFilter()

    func repeated(_ s: String, _ n: Int, _ sep: String = " ") -> String {
        Array(repeating: s, count: n).joined(separator: sep)
    }

    @Test func goodProseIsKept() {
        let r = run(stage, goodProse)
        #expect(r.verdict == .keep)
        #expect(r.text == goodProse)
    }

    @Test func eachRuleHasItsReason() {
        #expect(run(stage, "Hello world, this is short.").verdict == dropped("gopher_short_doc"))
        var o = GopherQualityFilter.Options()
        o.maxDocWords = 20
        #expect(run(GopherQualityFilter(options: o), goodProse).verdict == dropped("gopher_long_doc"))
        #expect(run(stage, repeated("to be or if it is so", 10)).verdict == dropped("gopher_below_avg_threshold"))
        #expect(run(stage, repeated("extraordinarily", 60)).verdict == dropped("gopher_above_avg_threshold"))
        #expect(run(stage, goodProse + " " + repeated("#hashtag", 50)).verdict == dropped("gopher_too_many_hashes"))
        #expect(run(stage, goodProse + " " + repeated("wait...", 40)).verdict == dropped("gopher_too_many_ellipsis"))
        #expect(run(stage, goodProse + " " + repeated("wait\u{2026}", 40)).verdict == dropped("gopher_too_many_ellipsis"))
        let bullets = repeated("- The item in the list has a few words of text", 20, "\n")
        #expect(run(stage, bullets).verdict == dropped("gopher_too_many_bullets"))
        let bulletDots = repeated("  \u{2022} The item in the list has a few words of text", 20, "\n")
        #expect(run(stage, bulletDots).verdict == dropped("gopher_too_many_bullets"))
        let ellipsisLines = repeated("The story goes on and on with the same old words of it...\nThe next line is fine and ends well.", 10, "\n")
        #expect(run(stage, ellipsisLines).verdict == dropped("gopher_too_many_end_ellipsis"))
        #expect(run(stage, goodProse + " " + repeated("123", 120)).verdict == dropped("gopher_below_alpha_threshold"))
        let noStop = repeated("Cats sleep often in warm places near windows. Dogs bark loudly at strangers walking past gardens.", 5)
        #expect(run(stage, noStop).verdict == dropped("gopher_enough_stop_words"))
        // Stop words are case-sensitive, as in datatrove.
        let capitalStop = repeated("The cats sleep quietly near warm windows every afternoon. With dogs barking loudly outside every single morning.", 5)
        #expect(run(stage, capitalStop).verdict == dropped("gopher_enough_stop_words"))
    }

    @Test func thresholdsCanBeTurnedOff() {
        var o = GopherQualityFilter.Options()
        o.minDocWords = nil
        o.minStopWords = nil
        o.minAvgWordLength = nil
        let lax = GopherQualityFilter(options: o)
        #expect(run(lax, "Hello wonderful world").verdict == .keep)
        // Edge punctuation counts as (non-alphabetic) words, as NLTK tokens do in datatrove: 2 of 3 tokens here.
        #expect(run(lax, "Hello world.").verdict == dropped("gopher_below_alpha_threshold"))
        o.stopWords = ["und", "der"]
        o.minStopWords = 2
        #expect(run(GopherQualityFilter(options: o), "Hund und Katze der Garten.").verdict == .keep)
        #expect(run(GopherQualityFilter(options: o), "Hund und Katze im Garten.").verdict == dropped("gopher_enough_stop_words"))
    }

    @Test func edgeCasesDoNotCrash() {
        #expect(run(stage, "").verdict == dropped("gopher_short_doc"))
        #expect(run(stage, "   \n\n  ").verdict == dropped("gopher_short_doc"))
        #expect(run(stage, "word").verdict == dropped("gopher_short_doc"))
        #expect(run(stage, repeated("... --- !!!", 100)).verdict == dropped("gopher_short_doc"))
        // Chinese has no spaces: one long "word", so Gopher rules reject it (English-only rules).
        let chinese = String(repeating: "\u{8FD9}\u{662F}\u{4E00}\u{4E2A}\u{53E5}\u{5B50}\u{3002}", count: 100)
        #expect(run(stage, chinese).verdict == dropped("gopher_short_doc"))
        var o = GopherQualityFilter.Options()
        o.minDocWords = nil
        #expect(run(GopherQualityFilter(options: o), chinese).verdict == dropped("gopher_above_avg_threshold"))
        // Arabic with spaces: words are counted; no English stop words.
        let arabic = repeated("\u{647}\u{630}\u{627} \u{646}\u{635} \u{639}\u{631}\u{628}\u{64A} \u{642}\u{635}\u{64A}\u{631} \u{62C}\u{62F}\u{627}.", 20)
        #expect(run(stage, arabic).verdict == dropped("gopher_enough_stop_words"))
    }

    @Test func tokenizerSplitsEdgePunctuation() {
        var text = "\"Hello, world!\" (e-mail) U.S.A. wait... #tag 3.14 \u{4E2D}\u{6587} 1990-2000 and/or a,b end.Next so...what x--y http://a.org/b-c ===a don't It\u{2019}s we'll O'Neil's +5 +x Mrs. Smith, USA. A. etc.)"
        let words: [String] = text.withUTF8 { p in
            var tokens = [WordToken]()
            tokenizeWords(p, into: &tokens)
            return tokens.map { String(decoding: UnsafeBufferPointer(rebasing: p[Int($0.start)..<Int($0.end)]), as: UTF8.self) }
        }
        #expect(words == ["\"", "Hello", ",", "world", "!", "\"", "(", "e", "-", "mail", ")", "U.S.A.", "wait", "...",
                          "#", "tag", "3.14", "\u{4E2D}\u{6587}", "1990", "-", "2000", "and", "/", "or", "a", ",", "b",
                          "end", ".", "Next", "so", "...", "what", "x", "--", "y", "http://a.org/b-c",
                          "=", "=", "=", "a", "do", "n't", "It", "\u{2019}s", "we", "'ll", "O'Neil", "'s", "+5", "+", "x", "Mrs.", "Smith", ",", "USA", ".", "A.", "etc.", ")"])
    }
}
