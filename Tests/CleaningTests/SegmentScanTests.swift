import DomainForgeCore
@testable import Segmentation
import Testing
@testable import Cleaning

/// Checks of the byte-level shortcuts beside the ICU segmentation: the whitespace test on segments, and the one-pass
/// phrase search of `c4_lines`, against the plain definitions they replace.
@Suite struct SegmentScanTests {
    @Test func whitespaceRunMatchesTheUnicodePropertyForEveryScalar() {
        var differences: [UInt32] = []
        for v in UInt32(0x80)...0x10FFFF {
            guard let scalar = Unicode.Scalar(v) else { continue }
            var bytes = Array(String(Character(scalar)).utf8)
            bytes.append(0x41)
            let got = bytes.withUnsafeBufferPointer { WordSegmenter.isWhitespaceRun($0, 0, $0.count) }
            if got != scalar.properties.isWhitespace { differences.append(v) }
        }
        #expect(differences.isEmpty, "\(differences.prefix(10))")
        let ascii: [UInt8] = [0x20, 0x09, 0x0A, 0x0D, 0x1C, 0x1F]
        for b in ascii { #expect([b, 0x41].withUnsafeBufferPointer { WordSegmenter.isWhitespaceRun($0, 0, 2) }) }
        #expect(![UInt8(0x41)].withUnsafeBufferPointer { WordSegmenter.isWhitespaceRun($0, 0, 1) })
        #expect(Array("。".utf8).withUnsafeBufferPointer { !WordSegmenter.isWhitespaceRun($0, 0, $0.count) })
    }

    /// The rule the old code found: one search per phrase, javascript first.
    static func referenceRule(_ line: String, javascript: Bool, policy: Bool) -> C4LinesStage.PhraseRule? {
        var copy = line
        return copy.withUTF8 { p in
            if javascript && containsASCIICaseInsensitive(p, 0, p.count, C4LinesStage.javascript) { return .javascript }
            if policy && C4LinesStage.policyPhrases.contains(where: { containsASCIICaseInsensitive(p, 0, p.count, $0) }) {
                return .policy
            }
            return nil
        }
    }

    @Test func onePassPhraseSearchFindsWhatEachSearchFound() throws {
        let lines = [
            "", "j", "javascrip", "JavaScript", "Enable JAVASCRIPT to continue.", "本网站使用 cookie。我们的 Privacy Policy 说明了。",
            "Terms of Use and javascript", "privacy policy then javascript", "use of cookies", "uses cookie", "use cookies!",
            "useuse cookies", "tterms of use", "termsof use", "cookie  policy", "这是一段中文，没有任何英文短语。", "Cookie Policy.",
            "Uses Cookies", "the use of cookies and javascript", "jjavascriptt", "policy privacy", "USE COOKIES",
            "PRIVACY POLICY", "TERMS OF USE", "@javascript[", "`terms of use{", "中文JavaScript中文", "中文Terms of use",
        ]
        for (javascript, policy) in [(true, true), (true, false), (false, true), (false, false)] {
            var options = C4LinesStage.Options()
            options.filterJavascript = javascript
            options.filterPolicy = policy
            let stage = C4LinesStage(options: options, language: nil)
            for line in lines {
                var copy = line
                let got = copy.withUTF8 { stage.phraseRule($0, 0, $0.count) }
                #expect(got == Self.referenceRule(line, javascript: javascript, policy: policy), "\(line) \(javascript) \(policy)")
            }
        }
    }

    @Test func longWordRuleStillRemovesLongLinesOnly() throws {
        var options = C4LinesStage.Options()
        options.maxWordLength = 5
        options.filterNoTerminalPunct = false
        options.minWordsPerLine = nil
        let stage = C4LinesStage(options: options, language: nil)
        var doc = Document(id: "d", text: "abcde fgh ij.\nabcdef gh.\nxy", source: "t")
        var counters = StageCounters()
        #expect(stage.process(&doc, counters: &counters) == .keep)
        #expect(doc.text == "abcde fgh ij.\nxy")
        #expect(counters.values["c4_lines_removed_too_long_word"] == 1)
    }
}

