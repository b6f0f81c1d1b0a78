import DomainForgeCore
import Testing

@Suite struct JSONParserTests {
    @Test func parsesNestedValues() throws {
        let v = try JSONParser.parse(#"{"a": [1, -2.5, true, null, "x\"y\u00e9\ud83d\ude00"], "b": {"c": 1e3}}"#)
        #expect(v["a"]?.arrayValue?.count == 5)
        #expect(v["a"]?.arrayValue?[0] == .int(1))
        #expect(v["a"]?.arrayValue?[1] == .double(-2.5))
        #expect(v["a"]?.arrayValue?[4] == .string("x\"yé😀"))
        #expect(v["b"]?["c"] == .double(1000))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "01", "\"abc", "{\"a\":1} x", "[\"\u{1}\"]", "1.", "-"])
    func rejectsInvalid(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func limitsDepth() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }

    @Test func writerRoundTripsAndSortsKeys() throws {
        let v = try JSONParser.parse(#"{"z": "a\nb\t\u0001", "a": [1, 2.5, false], "m": {"y": null, "b": "é"}}"#)
        let s = v.serialized()
        #expect(s == #"{"a":[1,2.5,false],"m":{"b":"é","y":null},"z":"a\nb\t\u0001"}"#)
        #expect(try JSONParser.parse(s) == v)
    }

    @Test func loneSurrogateBecomesReplacement() throws {
        #expect(try JSONParser.parse(#""\ud800x""#) == .string("\u{FFFD}x"))
    }
}

@Suite struct TextDecodingTests {
    func decode(_ b: [UInt8]) -> (String, TextDecoding.Charset) { b.withUnsafeBytes { TextDecoding.decode($0) } }

    @Test func utf8AndBOM() {
        #expect(decode(Array("héllo".utf8)) == ("héllo", .utf8))
        #expect(decode([0xEF, 0xBB, 0xBF] + Array("x".utf8)) == ("x", .utf8))
        #expect(decode([0xFF, 0xFE, 0x68, 0x00, 0xE9, 0x00]) == ("hé", .utf16le))
    }

    @Test func latin1Fallback() {
        // "café 25°C" in Latin-1, and cp1252 curly quotes.
        #expect(decode([0x63, 0x61, 0x66, 0xE9, 0x20, 0x32, 0x35, 0xB0, 0x43]) == ("café 25°C", .windows1252))
        #expect(decode([0x93, 0x68, 0x69, 0x94]) == ("\u{201C}hi\u{201D}", .windows1252))
    }

    @Test func mostlyValidUTF8KeepsUTF8WithReplacement() {
        var bytes = [UInt8]()
        for _ in 0..<200 { bytes += Array("é".utf8) }
        bytes.append(0xFF)
        let (s, cs) = decode(bytes)
        #expect(cs == .utf8)
        #expect(s.hasSuffix("\u{FFFD}"))
    }

    /// Random bytes (seeded) decode without crashing, to the same text every time, never to an empty string, and
    /// the text re-encodes to valid UTF-8 (every undecodable byte became a character, not nothing).
    @Test func randomBytesDecodeDeterministically() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt8 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return UInt8(truncatingIfNeeded: state) }
        for _ in 0..<50 {
            let b = (0..<1000).map { _ in next() }
            let (s, cs) = decode(b)
            #expect(!s.isEmpty)
            #expect(decode(b) == (s, cs))
            #expect(String(decoding: Array(s.utf8), as: UTF8.self) == s)
        }
    }
}
