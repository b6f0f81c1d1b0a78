import DomainForgeCore
import Foundation
import Testing
@testable import Extraction

/// Legacy encodings: uchardet detection for undeclared text and HTML, WHATWG labels, damaged UTF-8, forcing.
/// Fixtures in Fixtures/encodings were made with Python's codecs from the `*.utf8.txt` texts.
@Suite struct EncodingDetectionTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/encodings").appendingPathComponent(name)
        return Array(try Data(contentsOf: url))
    }

    static func expected(_ lang: String) throws -> String { String(decoding: try fixture(lang + ".utf8.txt"), as: UTF8.self) }

    /// (fixture stem, language of the text, charset to report)
    static let cases: [(String, String, TextDecoding.Charset)] = [
        ("gbk", "zh-hans", .gb18030), ("big5", "zh-hant", .big5), ("shift_jis", "ja", .shiftJIS),
        ("euc-jp", "ja", .eucJP), ("euc-kr", "ko", .eucKR), ("windows-1251", "ru", .windows1251),
    ]

    @Test(arguments: cases)
    func undeclaredTextIsDetected(_ c: (String, String, TextDecoding.Charset)) throws {
        let bytes = try Self.fixture(c.0 + ".txt")
        let d = bytes.withUnsafeBytes { TextDecoding.decodeDetailed($0) }
        #expect(d.charset == c.2)
        #expect(d.text == (try Self.expected(c.1)))
        #expect(d.replacedBytes == 0)
        #expect(d.source == "detected")
    }

    @Test(arguments: cases)
    func undeclaredHTMLIsDetected(_ c: (String, String, TextDecoding.Charset)) throws {
        let r = try HTMLExtractor(options: .init(includeTitle: false)).extract(try Self.fixture(c.0 + ".html"))
        #expect(r.charset == c.2.rawValue)
        #expect(r.text == (try Self.expected(c.1)))
        #expect(r.replacedBytes == 0)
    }

    @Test func gb2312LabelDecodesAsGB18030() throws {
        // € is 0xA2E3 in GB18030, 😀 and 𠀀 (CJK Ext B) are four-byte sequences: strict GB2312 loses all three.
        let r = try HTMLExtractor(options: .init(includeTitle: false)).extract(try Self.fixture("gb2312-labelled.html"))
        #expect(r.charset == "gb18030")
        #expect(r.text == (try Self.expected("zh-hans")) + "价格：100€，表情😀，古字𠀀，结束。")
        #expect(r.replacedBytes == 0)
    }

    @Test func whatwgLabels() {
        for l in ["gb2312", "GBK", "x-gbk", "chinese", "csgb2312", "iso-ir-58", "gb18030"] {
            #expect(TextDecoding.charset(named: l) == .gb18030, "\(l)")
        }
        #expect(TextDecoding.charset(named: "big5") == .big5)
        #expect(TextDecoding.charset(named: "big5")?.iconvName == "BIG5-HKSCS")
        #expect(TextDecoding.charset(named: "euc-kr")?.iconvName == "CP949")
        #expect(TextDecoding.charset(named: "ks_c_5601-1987") == .eucKR)
        #expect(TextDecoding.charset(named: "x-sjis") == .shiftJIS)
        #expect(TextDecoding.charset(named: "cp1250") == .windows1250)
        #expect(TextDecoding.charset(named: "no-such-charset") == nil)
    }

    @Test func cp949ExtensionsDecodeUnderEucKRLabel() throws {
        // 똠 is outside KS X 1001 (EUC-KR proper) but in windows-949: 0x8C 0x63.
        let page = Array("<html><head><meta charset=\"euc-kr\"></head><body><p>".utf8) + [0x8C, 0x63] + Array("</p></body></html>".utf8)
        let r = try HTMLExtractor(options: .init(includeTitle: false)).extract(page)
        #expect(r.text == "똠")
        #expect(r.replacedBytes == 0)
    }

    @Test func mostlyUTF8WithAFewBadBytesStaysUTF8() throws {
        var bytes = Array((try Self.expected("zh-hans")).utf8)
        bytes.insert(0xFF, at: 30)
        bytes.insert(0xC0, at: 91)  // (30 and 90 are character boundaries of the 3-byte text)
        bytes.append(0xE4)  // truncated sequence at the end
        let d = bytes.withUnsafeBytes { TextDecoding.decodeDetailed($0) }
        #expect(d.charset == .utf8)
        #expect(d.replacedBytes == 3)
        #expect(d.text.unicodeScalars.filter { $0 == "\u{FFFD}" }.count == 3)
        // A Latin text with a couple of broken bytes: more than 1% bad, but still UTF-8.
        var latin = Array("Le café où j’ai mangé était très agréable, ça c’est sûr.".utf8)
        latin.insert(0xE9, at: 5)
        let l = latin.withUnsafeBytes { TextDecoding.decodeDetailed($0) }
        #expect(l.charset == .utf8)
        #expect(l.replacedBytes == 1)
    }

    @Test func westernLatin1TextIsReportedAsWindows1252() throws {
        // Icelandic and French in Latin-1, more than 32 accented letters: uchardet may call it ISO-8859-15, but as the
        // text is the same under Windows-1252, the default name is kept (English/Latin outputs do not change).
        let text = String(repeating: "Þórður og Guðrún fóru í sveitina á sumrin; élève, château, naïveté, déjà vu. ", count: 4)
        let bytes = text.unicodeScalars.map { UInt8($0.value) }
        let d = bytes.withUnsafeBytes { TextDecoding.decodeDetailed($0) }
        #expect(d.text == text)
        #expect(d.charset == .windows1252)
    }

    @Test func forcedEncodingWinsOverDetection() throws {
        let bytes = try Self.fixture("gbk.txt")
        let d = bytes.withUnsafeBytes { TextDecoding.decodeDetailed($0, forced: .gb18030) }
        #expect(d.text == (try Self.expected("zh-hans")))
        #expect(d.source == "forced")
        // Forcing the wrong charset is obeyed, and invalid bytes are counted rather than lost.
        let wrong = bytes.withUnsafeBytes { TextDecoding.decodeDetailed($0, forced: .big5) }
        #expect(wrong.charset == .big5)
        #expect(wrong.text != d.text)
        let html = try HTMLExtractor().extract(try Self.fixture("big5.html"), forcedCharset: .big5)
        #expect(html.charset == "big5")
    }

    @Test func invalidBytesInsideGB18030AndBig5AreCountedNotFatal() throws {
        var gbk = try Self.fixture("gbk.txt")
        gbk.insert(0xFF, at: 40)  // 0xFF is never a GB18030 lead byte
        let g = gbk.withUnsafeBytes { TextDecoding.decodeDetailed($0, forced: .gb18030) }
        #expect(g.replacedBytes == 1)
        #expect(g.text.hasSuffix("更美好的世界里。"))
        var big5 = try Self.fixture("big5.txt")
        big5.insert(0xFF, at: 20)  // never a Big5 lead byte
        big5.append(0xA4)  // truncated pair
        let b = big5.withUnsafeBytes { TextDecoding.decodeDetailed($0, forced: .big5) }
        #expect(b.replacedBytes == 2)
        #expect(b.text.contains("讓下一代生活在更美好的世界裡。"))
    }

    @Test func wrongDeclarationFallsBackToDetection() throws {
        // A Big5 page that claims to be Shift_JIS.
        let body = try Self.fixture("big5.txt")
        let page = Array("<html><head><meta charset=\"shift_jis\"></head><body><p>".utf8) + body + Array("</p></body></html>".utf8)
        let r = try HTMLExtractor(options: .init(includeTitle: false)).extract(page)
        #expect(r.charset == "big5")
        #expect(r.text == (try Self.expected("zh-hant")))
    }
}
