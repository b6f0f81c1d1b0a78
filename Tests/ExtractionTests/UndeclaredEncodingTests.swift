@testable import DomainForgeCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Extraction

/// Encodings that used to come out as mojibake without a declaration: UTF-16 without a byte-order mark, seven-bit
/// ISO-2022-JP (valid ASCII, so it passed as UTF-8), and the WHATWG single-byte charsets uchardet names but the
/// decoder did not know (ISO-8859-6 Arabic fell back to Windows-1252).
@Suite struct UndeclaredEncodingTests {
    static let texts = [
        "This document describes the treatment guidelines of the hospital.\nPatients take their medicine as prescribed.\n",
        "本文件说明医院的治疗指南。患者必须严格按照医生的处方服药，如出现副作用，应立即告知医护人员。\n",
        "이 문서는 병원의 진료 지침을 설명합니다. 환자는 의사의 처방에 따라서만 약을 복용해야 합니다.\n",
        "Этот документ описывает рекомендации по лечению в больнице.\n",
        "Tài liệu này mô tả các hướng dẫn điều trị tại bệnh viện 😀 𠀀.\n",
    ]

    /// `text` in the charset glibc's iconv calls `name`, or nil when it cannot be converted.
    static func encode(_ text: String, to name: String) -> [UInt8]? {
        let cd = iconv_open(name, "UTF-8")
        guard cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        var input = Array(text.utf8).map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: input.count * 4 + 16)
        let written: Int? = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = inBuf.baseAddress
                var outPtr: UnsafeMutablePointer<CChar>? = outBuf.baseAddress
                var inLeft = inBuf.count, outLeft = outBuf.count
                guard iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) != -1,
                      iconv(cd, nil, nil, &outPtr, &outLeft) != -1 else { return nil }
                return outBuf.count - outLeft
            }
        }
        return written.map { Array(output[0..<$0]).map { UInt8(bitPattern: $0) } }
    }

    static func utf16(_ text: String, littleEndian: Bool) -> [UInt8] {
        text.utf16.flatMap { u in littleEndian ? [UInt8(u & 0xFF), UInt8(u >> 8)] : [UInt8(u >> 8), UInt8(u & 0xFF)] }
    }

    @Test(arguments: [true, false])
    func utf16WithoutBOMIsRecognisedInEitherOrder(_ littleEndian: Bool) {
        for text in Self.texts {
            let d = Self.utf16(text, littleEndian: littleEndian).withUnsafeBytes { TextDecoding.decodeDetailed($0) }
            #expect(d.charset == (littleEndian ? .utf16le : .utf16be), "\(text.prefix(10))")
            #expect(d.text == text)
        }
    }

    @Test func legacyAndUTF8TextIsNotTakenForUTF16() throws {
        // Even-length GB18030, Big5, Shift_JIS and windows-1251 text, and UTF-8 with a NUL byte, keep their charsets.
        for (text, charset) in [(Self.texts[1], TextDecoding.Charset.gb18030), (Self.texts[3], .windows1251),
                                ("這個軟體包提供了網路設定的工具和說明，請仔細閱讀。\n", .big5), ("この文書は病院での治療指針を説明しています。\n", .shiftJIS)] {
            var bytes = try #require(Self.encode(text, to: charset.iconvName ?? "CP1251"))
            if bytes.count % 2 == 1 { bytes.append(0x0A) }
            let d = bytes.withUnsafeBytes { TextDecoding.decodeDetailed($0) }
            #expect(d.charset != .utf16le && d.charset != .utf16be, "\(charset)")
        }
        let withNUL = Array("plain text\u{0}with a NUL byte in it, read as UTF-8.\n".utf8)
        #expect(withNUL.withUnsafeBytes { TextDecoding.decodeDetailed($0) }.charset == .utf8)
        // Odd length: not UTF-16.
        let odd = Self.utf16(Self.texts[0], littleEndian: true) + [0x41]
        #expect(odd.withUnsafeBytes { TextDecoding.utf16WithoutBOM($0) } == nil)
    }

    @Test func sevenBitISO2022JPIsDecoded() throws {
        let text = "この文書は病院での治療指針を説明しています。患者は医師の指示どおりに薬を服用してください。\n"
        let bytes = try #require(Self.encode(text, to: "ISO-2022-JP"))
        #expect(bytes.allSatisfy { $0 < 0x80 })
        let d = bytes.withUnsafeBytes { TextDecoding.decodeDetailed($0) }
        #expect(d.charset == .iso2022jp)
        #expect(d.text == text)
        #expect(d.replacedBytes == 0)
        // Plain ASCII with an escape character that is not an ISO-2022 designation stays UTF-8.
        let ansi = Array("\u{1B}[1mbold\u{1B}[0m terminal text\n".utf8)
        #expect(ansi.withUnsafeBytes { TextDecoding.decodeDetailed($0) }.charset == .utf8)
    }

    @Test func htmlPagesInUTF16WithoutBOMAndInISO2022JP() throws {
        let body = "<html><head><title>t</title></head><body><main><h1>医院治疗指南</h1><p>本文件说明医院的治疗指南。患者必须严格按照医生的处方服药，如出现副作用，应立即告知医护人员。</p></main></body></html>"
        for littleEndian in [true, false] {
            let r = try HTMLExtractor(options: .init(includeTitle: false)).extract(Self.utf16(body, littleEndian: littleEndian))
            #expect(r.charset == (littleEndian ? "utf-16le" : "utf-16be"))
            #expect(r.text.hasSuffix("本文件说明医院的治疗指南。患者必须严格按照医生的处方服药，如出现副作用，应立即告知医护人员。"))
        }
        let japanese = "<html><head>META<title>t</title></head><body><main><h1>病院の治療指針</h1><p>この文書は病院での治療指針を説明しています。</p></main></body></html>"
        for meta in ["<meta charset=\"iso-2022-jp\">", ""] {
            let bytes = try #require(Self.encode(japanese.replacingOccurrences(of: "META", with: meta), to: "ISO-2022-JP"))
            let r = try HTMLExtractor(options: .init(includeTitle: false)).extract(bytes)
            #expect(r.charset == "iso-2022-jp", "meta: \(meta)")
            #expect(r.text.hasSuffix("この文書は病院での治療指針を説明しています。"))
        }
    }

    @Test func whatwgSingleByteCharsetsUchardetNames() throws {
        let arabic = "تشرح هذه الوثيقة إرشادات العلاج في المستشفى. يجب على المرضى تناول الأدوية وفقا لتعليمات الطبيب فقط.\n"
        let bytes = try #require(Self.encode(arabic, to: "ISO-8859-6"))
        let d = bytes.withUnsafeBytes { TextDecoding.decodeDetailed($0) }
        #expect(d.charset == .iso88596)
        #expect(d.text == arabic)
        for (label, charset) in [("arabic", TextDecoding.Charset.iso88596), ("iso-8859-8-i", .iso88598), ("latin4", .iso88594),
                                 ("koi8-ru", .koi8u), ("iso-8859-13", .iso885913), ("csiso2022jp", .iso2022jp), ("latin10", .iso885916)] {
            #expect(TextDecoding.charset(named: label) == charset, "\(label)")
        }
    }
}
