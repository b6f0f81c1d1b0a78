import DomainForgeCore
import Testing
@testable import Cleaning

@Suite struct LengthFilterTests {
    @Test func defaultsDropShortPages() {
        let stage = LengthFilter()
        #expect(run(stage, "").verdict == dropped("too_short"))
        #expect(run(stage, "Home | About | Contact").verdict == dropped("too_short"))
        #expect(run(stage, String(repeating: "a", count: 199)).verdict == dropped("too_short"))
        #expect(run(stage, String(repeating: "a", count: 200)).verdict == .keep)
        #expect(run(stage, goodProse).verdict == .keep)
        #expect(run(stage, goodProse).text == goodProse)
    }

    @Test func charactersAreScalars() {
        // 100 CJK characters are 300 bytes but 100 characters.
        let cjk = String(repeating: "\u{4E2D}", count: 100)
        #expect(run(LengthFilter(), cjk).verdict == dropped("too_short"))
        #expect(run(LengthFilter(), cjk + cjk).verdict == .keep)
    }

    @Test func boundsOnWordsAndChars() {
        var o = LengthFilter.Options()
        o.minChars = nil
        o.maxChars = 20
        o.minWords = 2
        o.maxWords = 3
        let stage = LengthFilter(options: o)
        #expect(run(stage, "one").verdict == dropped("too_short"))
        #expect(run(stage, "one two").verdict == .keep)
        #expect(run(stage, "one two three four").verdict == dropped("too_long"))
        #expect(run(stage, "onetwothreefourfivesix seven").verdict == dropped("too_long"))
        #expect(run(stage, " \n\t ").verdict == dropped("too_short"))
    }
}
