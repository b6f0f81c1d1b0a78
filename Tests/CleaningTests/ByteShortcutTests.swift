import DomainForgeCore
import Foundation
@testable import Segmentation
import Testing
@testable import Cleaning

/// The byte-level shortcuts taken for speed on non-English text, each against the plain definition it stands for:
/// ICU on a UTF-16 copy against ICU on the UTF-8 text, the hand-written UTF-8 decoder of the script share, the
/// Han fast path of `normalize`'s byte pass, and the sentence-terminal shortcut of `TerminalPunctuation`.
@Suite struct ByteShortcutTests {
    /// Text in many scripts, with 1- to 4-byte scalars (emoji, Han extension B, flags, combining marks).
    static let mixed = [
        chineseProse, "東京都に行きました。それから友だちと会いました。", "한국어는 아름다운 언어입니다.",
        "ภาษาไทยเป็นภาษาที่ไม่มีการเว้นวรรคระหว่างคำ", "ພາສາລາວແມ່ນພາສາ", "ភាសាខ្មែរគឺជាភាសា", "မြန်မာဘာသာစကား",
        "😀 emoji 𠀀𠀁𠀂 ext B 🇨🇳 flags e\u{301} combining, don't 3.14 U.S.A. — “quoted” 『引用』",
        "价格：¥1,299.00（含税）。电话 010-87654321；网址 https://例子.中国/路径?q=1", "", " ", "\n\n",
        "Straße über Öl – Ελληνικά κείμενα – русский текст – עברית – العربية",
    ]

    static func segments(_ text: String, viaUTF8: Bool) -> [WordSegmenter.Segment] {
        var copy = text
        var out: [WordSegmenter.Segment] = []
        copy.withUTF8 { p in
            WordSegmenter.forEachSegment(p, viaUTF8: viaUTF8) { out.append(.init(start: $0, end: $1, isWord: $2)) }
        }
        return out
    }

    @Test func utf16CopyGivesTheSegmentsOfTheUTF8Text() {
        for text in Self.mixed + [Self.mixed.joined(separator: "\n")] {
            let fast = Self.segments(text, viaUTF8: false)
            #expect(fast == Self.segments(text, viaUTF8: true), "\(text.prefix(20))")
            // Every boundary is a scalar boundary of the UTF-8 text.
            let bytes = Array(text.utf8)
            for s in fast {
                #expect(s.end <= bytes.count && (s.end == bytes.count || bytes[s.end] & 0xC0 != 0x80))
            }
        }
        #expect(WordSegmenter.words(of: "😀𠀀𠀁中文") .joined() == "𠀀𠀁中文")
    }

    @Test func invalidUTF8StaysOnTheUTF8Path() {
        // A stray byte cannot be copied to UTF-16: ICU reads the UTF-8 text (the byte as U+FFFD), offsets in bytes.
        let bytes: [UInt8] = Array("中文测试".utf8) + [0xFF] + Array("北京".utf8)
        var words: [String] = []
        bytes.withUnsafeBufferPointer { p in
            WordSegmenter.forEachSegment(p) { s, e, isWord in
                if isWord { words.append(String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self)) }
            }
        }
        #expect(words.joined() == "中文测试北京")
    }

    @Test func scriptShareDecoderMatchesTheStandardLibrary() {
        for v in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(v) else { continue }
            let bytes = Array(String(Character(scalar)).utf8)
            let (got, length) = bytes.withUnsafeBufferPointer { DocumentLanguage.scalar($0, 0, $0.count) }
            if got != v || length != bytes.count { Issue.record("U+\(String(v, radix: 16)): \(got) \(length)"); return }
        }
        let malformed: [[UInt8]] = [[0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
                                    [0xF0, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
                                    [0xE4, 0xB8], [0xE4, 0x41, 0x80], [0xFF]]
        for bytes in malformed {
            #expect(bytes.withUnsafeBufferPointer { DocumentLanguage.scalar($0, 0, $0.count) }.1 == 0, "\(bytes)")
        }
    }

    /// The script share as the standard library's decoder reads it (the code before the hand-written decoder).
    static func referenceVerdict(_ bytes: [UInt8]) -> String? {
        let n = min(bytes.count, DocumentLanguage.scanLimit)
        var counts = DocumentLanguage.ScriptCounts()
        var iterator = bytes[0..<n].makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s): counts.add(s.value)
            case .emptyInput: break loop
            case .error: continue
            }
        }
        return counts.verdict()
    }

    @Test func scriptShareMatchesTheReferenceOnMixedAndBrokenText() {
        var rng = SplitMix(seed: 14)
        let pieces = Self.mixed.map { Array($0.utf8) } + [[0xFF], [0xE4, 0xB8], [0x80, 0x80], [0xF0, 0x9F]]
        for _ in 0..<2_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let piece = pieces.randomElement(using: &rng)!
                bytes += piece.prefix(Int.random(in: 0...piece.count, using: &rng))
            }
            let got = bytes.withUnsafeBufferPointer { DocumentLanguage.detectCJK($0) }
            #expect(got == Self.referenceVerdict(bytes), "\(bytes.prefix(40))")
        }
        // Every ASCII byte, in every position of an eight-byte word, beside CJK text.
        for shift in 0..<8 {
            let bytes = Array(repeating: UInt8(0x20), count: shift) + (0..<128).map { UInt8($0) } + Array("中文".utf8)
            #expect(bytes.withUnsafeBufferPointer { DocumentLanguage.detectCJK($0) } == Self.referenceVerdict(bytes))
            var letters = 0
            for b in bytes where (b | 0x20) &- 0x61 < 26 { letters += 1 }
            var counted = 0
            for k in stride(from: 0, to: 128 + shift - 7, by: 8) {
                let w = bytes[k..<k + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                counted += DocumentLanguage.asciiLetters(w)
            }
            let tail = bytes[((128 + shift) / 8 * 8)..<(128 + shift)].filter { ($0 | 0x20) &- 0x61 < 26 }.count
            #expect(counted + tail == letters, "shift \(shift)")
        }
        // Cut by the scan limit inside a Han character.
        let long = Array(String(repeating: "中", count: DocumentLanguage.scanLimit / 3 + 5).utf8)
        #expect(long.withUnsafeBufferPointer { DocumentLanguage.detectCJK($0) } == Self.referenceVerdict(long))
    }

    @Test func normalizeHanRunsAreCopiedAndTheRestStillCleaned() throws {
        let stage = NormalizeStage(options: .init())
        var doc = Document(id: "d", text: "中文\u{3000}测试\u{200B}内容\u{2028}下一行\u{FFFD}한국어\u{00A0}ꀀ  \n\n\n末尾。  ",
                           source: "t")
        var counters = StageCounters()
        #expect(stage.process(&doc, counters: &counters) == .keep)
        #expect(doc.text == "中文 测试内容\n下一行\u{FFFD}한국어 ꀀ\n\n末尾。")
    }

    @Test func sentenceTerminalShortcutMatchesTheProperty() {
        var differences: [UInt32] = []
        for v in UInt32(0x80)...0x10FFFF {
            guard let scalar = Unicode.Scalar(v), !TerminalPunctuation.closers.contains(v) else { continue }
            let bytes = Array(("句" + String(Character(scalar))).utf8)
            let got = bytes.withUnsafeBufferPointer { TerminalPunctuation.endsSentence($0, 0, $0.count) }
            if got != (v == 0x2026 || scalar.properties.isSentenceTerminal) { differences.append(v) }
        }
        #expect(differences.isEmpty, "\(differences.prefix(10))")
    }
}
