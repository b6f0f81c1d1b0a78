import Testing
import Foundation
import DomainForgeCore
@testable import Tokenization

/// NFC / NFKC (ICU, shared by the tokenizer and the `normalize` stage) against Unicode's conformance file and
/// Python's unicodedata.
@Suite struct NormalizationConformanceTests {
    /// Debian's unicode-data ships NormalizationTest.txt (bzip2-compressed in Debian 12).
    static let conformanceFile: String? = ["/usr/share/unicode/NormalizationTest.txt", "/usr/share/unicode/NormalizationTest.txt.bz2"]
        .first { FileManager.default.fileExists(atPath: $0) }

    static func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }
    static func string(_ v: [UInt32]) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: v.compactMap(Unicode.Scalar.init))
        return s
    }

    /// Through the tokenizer's normalizer (with its ASCII fast path) as well as directly.
    static func tokenizerForm(_ text: String, _ n: Normalization) -> String {
        var s = text
        return s.withUTF8 { b in
            guard let p = b.baseAddress, let out = n.apply(p, b.count) else { return text }
            return String(decoding: out, as: UTF8.self)
        }
    }

    @Test func tibetanVowelSignsReorderAfterDecomposition() {
        let text = "\u{0F73}\u{0F73}"
        let expected: [UInt32] = [0x0F71, 0x0F71, 0x0F72, 0x0F72]
        #expect(Self.scalars(UnicodeNormalizer.normalize(text, .nfc)) == expected)
        #expect(Self.scalars(UnicodeNormalizer.normalize(text, .nfkc)) == expected)
        #expect(Self.scalars(Self.tokenizerForm("a" + text + "b", .nfc)) == [0x61] + expected + [0x62])
        #expect(Self.scalars(Self.tokenizerForm(text, .nfkc)) == expected)
        #expect(Self.tokenizerForm("plain ASCII", .nfc) == "plain ASCII")
        #expect(Self.scalars(UnicodeNormalizer.normalize("e\u{0301}", .nfc)) == [0xE9])
        #expect(Self.scalars(UnicodeNormalizer.normalize("\u{FB01}", .nfkc)) == [0x66, 0x69])
    }

    /// Reads NormalizationTest.txt (decompressing a .bz2 with bzip2).
    static func readConformance(_ path: String) throws -> String {
        guard path.hasSuffix(".bz2") else { return try String(contentsOfFile: path, encoding: .utf8) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["bzip2", "-dc", path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "bzip2 -dc \(path) failed")
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.enabled(if: conformanceFile != nil, "needs Unicode's NormalizationTest.txt (Debian: apt-get install unicode-data)"))
    func normalizationTestConformance() throws {
        let text = try Self.readConformance(try #require(Self.conformanceFile))
        var cases = 0, failures = [String]()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("@") {
            let cols = line.split(separator: ";", omittingEmptySubsequences: false).prefix(5).map { col in
                Self.string(col.split(separator: " ").compactMap { UInt32($0, radix: 16) })
            }
            guard cols.count == 5 else { continue }
            cases += 1
            // NFC: c2 == toNFC(c1) == toNFC(c2) == toNFC(c3); c4 == toNFC(c4) == toNFC(c5).
            // NFKC: c4 == toNFKC(c1..c5).
            let checks: [(Int, Int, Normalization)] = [(1, 0, .nfc), (1, 1, .nfc), (1, 2, .nfc), (3, 3, .nfc), (3, 4, .nfc)]
                + (0..<5).map { (3, $0, .nfkc) }
            for (want, src, form) in checks {
                let direct = UnicodeNormalizer.normalize(cols[src], form == .nfc ? .nfc : .nfkc)
                let viaTokenizer = Self.tokenizerForm(cols[src], form)
                if Self.scalars(direct) != Self.scalars(cols[want]) || Self.scalars(viaTokenizer) != Self.scalars(cols[want]) {
                    failures.append("\(line.prefix(60)) \(form) of c\(src + 1)")
                }
            }
        }
        #expect(cases > 18_000, "parsed \(cases) cases")
        #expect(failures.isEmpty, "\(failures.count) failures (ICU Unicode \(UnicodeNormalizer.icuUnicodeVersion)): \(failures.prefix(10))")
    }

    @Test(.enabled(if: TestEnv.runPython(["-c", "import unicodedata"]).0 == 0, "needs python3 (its unicodedata is the reference)"))
    func everyCodePointAndMarkSequencesMatchPython() throws {
        let (st, out) = TestEnv.runPython([TestEnv.fixtures.appendingPathComponent("unicodedata_normalize.py").path, "20000"])
        try #require(st == 0, "unicodedata_normalize.py failed: \(out.prefix(500))")
        var changed = [UInt32: (nfc: [UInt32], nfkc: [UInt32])](), gaps = [(UInt32, UInt32)](), failures = [String](), sequences = 0
        func ints(_ v: JSONValue?) -> [UInt32] { (v?.arrayValue ?? []).compactMap { $0.intValue }.map(UInt32.init) }
        func check(_ input: [UInt32], _ nfc: [UInt32], _ nfkc: [UInt32]) {
            let s = Self.string(input)
            if Self.scalars(Self.tokenizerForm(s, .nfc)) != nfc { failures.append("NFC \(input.map { String($0, radix: 16) })") }
            if Self.scalars(Self.tokenizerForm(s, .nfkc)) != nfkc { failures.append("NFKC \(input.map { String($0, radix: 16) })") }
        }
        for line in out.split(separator: "\n") {
            let v = try JSONParser.parse(String(line))
            if let cp = v["cp"]?.intValue { changed[UInt32(cp)] = (ints(v["nfc"]), ints(v["nfkc"])) }
            else if let g = v["unassigned"]?.arrayValue { gaps = g.map { (UInt32($0.arrayValue![0].intValue!), UInt32($0.arrayValue![1].intValue!)) } }
            else if v["seq"] != nil { sequences += 1; check(ints(v["seq"]), ints(v["nfc"]), ints(v["nfkc"])) }
        }
        try #require(!gaps.isEmpty && sequences == 20_000)
        var g = 0, codePoints = 0
        for cp in UInt32(0)..<0x110000 where !(0xD800..<0xE000).contains(cp) {
            while g < gaps.count && gaps[g].1 < cp { g += 1 }
            if g < gaps.count && gaps[g].0 <= cp { continue }  // unassigned in Python's Unicode version
            codePoints += 1
            let want = changed[cp] ?? ([cp], [cp])
            check([cp], want.nfc, want.nfkc)
        }
        #expect(codePoints > 280_000)
        #expect(failures.isEmpty, "\(failures.count) differ from Python: \(failures.prefix(10))")
    }
}
