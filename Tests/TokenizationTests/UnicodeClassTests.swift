import Testing
import Foundation
import CUnicodeICU
import DomainForgeCore
@testable import Tokenization

/// The pre-tokenizer's letter / number / space table (Unicode 16.0, the version of HF tokenizers' regex engine)
/// against ICU's character properties and against HF itself.
@Suite struct UnicodeClassTests {
    /// The class ICU gives `cp`, or nil when `cp` is unassigned in ICU's (older) Unicode version.
    static func icuClass(_ cp: Int32) -> UInt8? {
        if dficu_is_white_space(cp) != 0 { return CharClass.space }
        let t = dficu_char_type(cp)
        switch t {
        case 0: return cp >= 0xD800 && cp < 0xE000 ? CharClass.other : nil
        case 1...5: return CharClass.letter
        case 9...11: return CharClass.number
        default: return CharClass.other
        }
    }

    /// Pre-tokens of `text` under `pattern`.
    static func pieces(_ text: String, _ pattern: SplitPattern) -> [String] {
        var s = text
        var out = [String]()
        s.withUTF8 { b in
            // an empty string has no buffer and no pre-tokens
            if let p = b.baseAddress {
                pattern.split(p, b.count) { i, j in out.append(String(decoding: UnsafeBufferPointer(start: p + i, count: j - i), as: UTF8.self)) }
            }
        }
        return out
    }

    @Test func cjkExtensionsHAndIAreLetters() {
        let table = UnicodeClassTable.shared.table
        for cp in [0x31350, 0x31351, 0x323AF, 0x2EBF0, 0x2EC00, 0x2EE5D, 0x3400, 0x4E2D, 0x20000] {
            #expect(table[cp] == CharClass.letter, "U+\(String(cp, radix: 16, uppercase: true))")
        }
        #expect(table[0x2EE5E] == CharClass.other && table[0x323B0] == CharClass.other, "unassigned in Unicode 16.0")
        #expect(table[0x10D40] == CharClass.number, "Garay digit zero (Unicode 16.0)")
        #expect(unicodeClassVersion == "16.0.0")
        // Extension H and I ideographs join one another and the letters beside them, as in HF.
        let text = "\u{31350}\u{2EBF0}中文!"
        #expect(Self.pieces(text, .gpt2) == ["\u{31350}\u{2EBF0}中文", "!"])
        #expect(Self.pieces(text, .cl100k) == ["\u{31350}\u{2EBF0}中文", "!"])
    }

    @Test func everyCodePointMatchesICU() {
        let table = UnicodeClassTable.shared.table
        var mismatches = [String](), newerThanICU = 0
        for cp in 0..<0x110000 {
            guard let expected = Self.icuClass(Int32(cp)) else {
                if table[cp] != CharClass.other { newerThanICU += 1 }
                continue
            }
            if table[cp] != expected { mismatches.append(String(format: "U+%04X ours %d ICU %d", cp, table[cp], expected)) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ from ICU \(UnicodeNormalizer.icuUnicodeVersion): \(mismatches.prefix(20))")
        // Letters and digits of Unicode versions after ICU's (15.1: CJK Extension I; 16.0: Garay, Todhri, ...).
        if UnicodeNormalizer.icuUnicodeVersion.hasPrefix("15.0") { #expect(newerThanICU > 622) }
    }

    /// Every code point (surrogates aside) between letters, digits, punctuation and spaces, 512 per text.
    static func allCodePointTexts() -> [String] {
        var texts = [String](), cur = ""
        for cp in 0..<0x110000 {
            guard let s = Unicode.Scalar(UInt32(cp)) else { continue }
            let c = Character(s)
            cur.append(c); cur.append("!"); cur.append(c); cur.append("a"); cur.append(c); cur.append("7 ")
            if cp % 512 == 511 { texts.append(cur); cur = "" }
        }
        if !cur.isEmpty { texts.append(cur) }
        return texts
    }

    @Test(.enabled(if: TestEnv.hasHFTokenizers, "needs Python with the tokenizers package (pip install tokenizers)"),
          arguments: SplitPattern.allCases)
    func everyCodePointSplitsLikeHF(_ pattern: SplitPattern) throws {
        let texts = Self.allCodePointTexts()
        let dir = TestEnv.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rx = dir.appendingPathComponent("regex.txt"), inp = dir.appendingPathComponent("in.jsonl"), outp = dir.appendingPathComponent("out.jsonl")
        try pattern.regex.write(to: rx, atomically: true, encoding: .utf8)
        try TestEnv.writeJSONL(texts, to: inp)
        let (st, log) = TestEnv.runPython([TestEnv.fixtures.appendingPathComponent("hf_pretokenize.py").path, rx.path, inp.path, outp.path])
        try #require(st == 0, "hf_pretokenize.py failed: \(log)")
        let lines = try String(contentsOf: outp, encoding: .utf8).split(separator: "\n")
        try #require(lines.count == texts.count)
        var bad = 0
        for (k, line) in lines.enumerated() {
            let hf = try #require(try JSONParser.parse(String(line)).arrayValue).compactMap { $0.stringValue }
            let ours = Self.pieces(texts[k], pattern)
            if hf != ours {
                bad += 1
                if bad <= 3, let d = zip(ours, hf).first(where: { $0.0 != $0.1 }) {
                    Issue.record("\(pattern) text \(k): ours \(d.0.unicodeScalars.map { String($0.value, radix: 16) }) hf \(d.1.unicodeScalars.map { String($0.value, radix: 16) })")
                }
            }
        }
        #expect(bad == 0, "\(pattern): \(bad)/\(texts.count) texts split differently from HF")
    }
}
