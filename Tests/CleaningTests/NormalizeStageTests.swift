import PipelineRunner
import DomainForgeCore
import Testing
@testable import Cleaning

@Suite struct NormalizeStageTests {
    let stage = NormalizeStage()

    /// Scalar-exact comparison (String's == treats canonically equivalent texts as equal).
    func same(_ a: String, _ b: String) -> Bool { Array(a.unicodeScalars) == Array(b.unicodeScalars) }

    @Test func composesToNFC() {
        let r = run(stage, "Cafe\u{301} cre\u{300}me")
        #expect(same(r.text, "Caf\u{E9} cr\u{E8}me"))
        #expect(r.text.unicodeScalars.count == 10)
        #expect(r.counters["normalize_unicode_changed"] == 1)
        #expect(r.counters["normalize_docs_changed"] == 1)
        #expect(r.verdict == .keep)
    }

    @Test func nfkcFoldsCompatibilityCharacters() {
        let nfkc = NormalizeStage(options: { var o = NormalizeStage.Options(); o.unicodeForm = .nfkc; return o }())
        #expect(run(nfkc, "\u{FB01}le \u{2460} x\u{B2} \u{FF21}").text == "file 1 x2 A")
        // NFC leaves them alone.
        #expect(same(run(stage, "\u{FB01}le x\u{B2}").text, "\u{FB01}le x\u{B2}"))
        let none = NormalizeStage(options: { var o = NormalizeStage.Options(); o.unicodeForm = .none; return o }())
        #expect(same(run(none, "e\u{301}").text, "e\u{301}"))
    }

    @Test func reordersMarksAfterDecompositionLikeUnicode() {
        // U+0F73 decomposes to U+0F71 U+0F72 (ccc 129, 130): the marks of both must be sorted together.
        let r = run(stage, "x\u{0F73}\u{0F73}")
        #expect(r.text.unicodeScalars.map(\.value) == [0x78, 0x0F71, 0x0F71, 0x0F72, 0x0F72])
        let nfkc = NormalizeStage(options: { var o = NormalizeStage.Options(); o.unicodeForm = .nfkc; return o }())
        #expect(run(nfkc, "\u{0F73}\u{0F73}").text.unicodeScalars.map(\.value) == [0x0F71, 0x0F71, 0x0F72, 0x0F72])
    }

    @Test func pureASCIIIsUntouched() {
        let r = run(stage, "Hello world.\nSecond line.")
        #expect(r.text == "Hello world.\nSecond line.")
        #expect(r.counters.values.isEmpty)
    }

    @Test func whitespaceAndControls() {
        let r = run(stage, "  \n\nTitle\u{0}\u{7}  \r\nline\u{A0}two\u{2003}x\t\r\r\r\rpara\u{85}end\u{9F}  \n\n")
        #expect(r.text == "Title\nline two x\n\npara\nend")
        #expect(r.counters["normalize_controls_removed"] == 3)
        #expect(r.counters["normalize_spaces_replaced"] == 2)
        #expect(r.counters["normalize_newlines_converted"] == 6)
        #expect(r.counters["normalize_blank_lines_removed"] == 2)
        #expect(r.counters["normalize_trailing_spaces_removed"] == 5)
    }

    @Test func whitespaceOnlyLinesCollapse() {
        #expect(run(stage, "a\n  \n\t\n \n  b\n").text == "a\n\n  b")
        #expect(run(stage, "a\n\n\n\n\nb").text == "a\n\nb")
        #expect(run(stage, "a\n\nb").text == "a\n\nb")
        // Indentation is kept, trailing spaces go.
        #expect(run(stage, "def f():\n    return 1   \n").text == "def f():\n    return 1")
    }

    @Test func zeroWidthAndReplacement() {
        #expect(run(stage, "zero\u{200B}width\u{FEFF} soft\u{AD}hyphen").text == "zerowidth softhyphen")
        // ZWJ sequences and ZWNJ are kept.
        #expect(run(stage, "\u{1F468}\u{200D}\u{1F469} \u{645}\u{200C}\u{6CC}").text == "\u{1F468}\u{200D}\u{1F469} \u{645}\u{200C}\u{6CC}")
        #expect(run(stage, "bad\u{FFFD}byte").text == "bad\u{FFFD}byte")
        var o = NormalizeStage.Options()
        o.removeReplacementChar = true
        o.removeZeroWidth = false
        let r = run(NormalizeStage(options: o), "bad\u{FFFD}byte\u{200B}")
        #expect(r.text == "badbyte\u{200B}")
        #expect(r.counters["normalize_replacement_removed"] == 1)
    }

    @Test func optionsTurnRulesOff() {
        var o = NormalizeStage.Options()
        o.trim = false
        o.collapseBlankLines = false
        o.stripTrailingSpaces = false
        o.normalizeSpaces = false
        #expect(run(NormalizeStage(options: o), "  a \u{A0}\n\n\n\nb  \n").text == "  a \u{A0}\n\n\n\nb  \n")
        o.stripTrailingSpaces = true
        #expect(run(NormalizeStage(options: o), "  a  \n\n\n\nb  \n").text == "  a\n\n\n\nb\n")
        o.collapseBlankLines = true
        #expect(run(NormalizeStage(options: o), "\n\n\n a  \n\n\n\nb  \n\n\n").text == "\n\n a\n\nb\n\n")
    }

    @Test func emptyAndWhitespaceOnly() {
        #expect(run(stage, "").text == "")
        #expect(run(stage, "").verdict == .keep)
        #expect(run(stage, " \n\t \r\n ").text == "")
        var o = NormalizeStage.Options()
        o.dropEmpty = true
        let dropEmpty = NormalizeStage(options: o)
        #expect(run(dropEmpty, " \n\u{200B}\n ").verdict == dropped("empty_after_normalize"))
        #expect(run(dropEmpty, "x").verdict == .keep)
    }

    @Test func nonLatinScripts() {
        let chinese = "\u{4E2D}\u{6587}\u{6587}\u{672C}\u{3002}\u{3000}\u{7B2C}\u{4E8C}\u{53E5}\u{3002}"
        #expect(run(stage, chinese).text == "\u{4E2D}\u{6587}\u{6587}\u{672C}\u{3002} \u{7B2C}\u{4E8C}\u{53E5}\u{3002}")
        let arabic = "\u{645}\u{631}\u{62D}\u{628}\u{627} \u{628}\u{627}\u{644}\u{639}\u{627}\u{644}\u{645}  "
        #expect(run(stage, arabic).text == "\u{645}\u{631}\u{62D}\u{628}\u{627} \u{628}\u{627}\u{644}\u{639}\u{627}\u{644}\u{645}")
        // Hangul jamo compose under NFC.
        #expect(same(run(stage, "\u{1100}\u{1161}").text, "\u{AC00}"))
        // Same byte length, different bytes: combining marks reordered by class, Ohm sign to omega.
        let reordered = run(stage, "a\u{301}\u{316}")
        #expect(same(reordered.text, "\u{E1}\u{316}"))
        #expect(same(run(stage, "q\u{307}\u{323}").text, "q\u{323}\u{307}"))
        #expect(run(stage, "q\u{307}\u{323}").counters["normalize_unicode_changed"] == 1)
        #expect(same(run(stage, "\u{2126}").text, "\u{3A9}"))
    }
}

@Suite struct NormalizationQuickCheckTests {
    func mayChange(_ s: String, _ table: [UInt32]) -> Bool {
        var copy = s
        return copy.withUTF8 { NormalizeStage.mayChange($0, table) }
    }

    @Test func flagsScalarsThatNormalize() {
        let nfc = NormalizationTables.nfcUnstable
        #expect(mayChange("e\u{301}", nfc))           // combining mark
        #expect(mayChange("\u{212B}", nfc))           // Angstrom sign → Å
        #expect(mayChange("\u{1100}\u{1161}", nfc))   // Hangul jamo
        #expect(!mayChange("plain ASCII and caf\u{E9} \u{201C}quoted\u{201D} \u{4E2D}\u{6587} \u{FFFD} \u{1F600}", nfc))
        #expect(!mayChange("\u{FB01} x\u{B2}", nfc))
        #expect(mayChange("\u{FB01}", NormalizationTables.nfkcUnstable))
        #expect(mayChange("x\u{B2}", NormalizationTables.nfkcUnstable))
    }

    /// Han lead bytes are skipped only when no range of the table lies in U+4000-U+9FFF.
    @Test func hanSkipFollowsTheTable() {
        #expect(!mayChange("中文", [0xA0, 0xA0]))
        #expect(mayChange("中文", [0xA0, 0xA0, 0x6587, 0x6587]))
        #expect(mayChange("中文", [0x3000, 0x4E2D]))
        #expect(!mayChange("中文", [0x3000, 0x4000]))
        #expect(!mayChange("中文", [0x3000, 0x3FFF, 0xA000, 0xA000]))
        let t: [UInt32] = [0x100, 0x1FF, 0x300, 0x3FF]
        t.withUnsafeBufferPointer { t in
            #expect(NormalizeStage.intersects(t, 0x1FF, 0x250) && NormalizeStage.intersects(t, 0x250, 0x300))
            #expect(!NormalizeStage.intersects(t, 0x200, 0x2FF) && !NormalizeStage.intersects(t, 0x400, 0x500))
            #expect(!NormalizeStage.intersects(t, 0, 0xFF) && NormalizeStage.intersects(t, 0, 0x100))
        }
    }

    /// Text built only from scalars the table calls stable is left unchanged by Foundation (checked over the BMP
    /// and the emoji / CJK extension planes, 256 scalars per string so that neighbours are tested too).
    @Test func stableScalarsReallyAreStable() {
        for (table, nfkc) in [(NormalizationTables.nfcUnstable, false), (NormalizationTables.nfkcUnstable, true)] {
            var stable: [Unicode.Scalar] = []
            for v in Array(0xA0..<0x10000) + Array(0x1F000..<0x1FB00) + Array(0x20000..<0x20400) {
                guard let s = Unicode.Scalar(UInt32(v)), !mayChange(String(Character(s)), table) else { continue }
                stable.append(s)
            }
            #expect(stable.count > 40_000)
            var k = 0
            while k < stable.count {
                var text = "a"
                text.unicodeScalars.append(contentsOf: stable[k..<min(k + 256, stable.count)])
                let normalized = UnicodeNormalizer.normalize(text, nfkc ? .nfkc : .nfc)
                #expect(Array(normalized.unicodeScalars) == Array(text.unicodeScalars), "block at \(k)")
                k += 256
            }
        }
    }
}

/// `normalize` with `chinese`: OpenCC Traditional ↔ Simplified.
@Suite struct NormalizeChineseTests {
    @Test func t2sAndS2TConvertAndCount() throws {
        var o = NormalizeStage.Options()
        o.chinese = .t2s
        let r = run(NormalizeStage(options: o), "醫院的醫生每天都要檢查病人的身體狀況。")
        #expect(r.text == "医院的医生每天都要检查病人的身体状况。")
        #expect(r.counters["normalize_chinese_converted"] == 1)
        o.chinese = .s2t
        #expect(run(NormalizeStage(options: o), "医院的医生").text == "醫院的醫生")
        // Default: no conversion.
        #expect(run(NormalizeStage(), "醫院").text == "醫院")
    }

    @Test func optionComesFromConfig() throws {
        let s = try StageRegistry.makeDocumentStage(type: "normalize", options: .object(["chinese": .string("tw2s")]))
        #expect((s as? NormalizeStage)?.options.chinese == .tw2s)
        #expect(throws: (any Error).self) { try StageRegistry.makeDocumentStage(type: "normalize", options: .object(["chinese": .string("zh")])) }
    }
}
