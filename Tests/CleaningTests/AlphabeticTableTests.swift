import Segmentation
import Testing
@testable import Cleaning

/// The bit table answers what the standard library's property answers, for every code point.
@Test func alphabeticTableEqualsTheUnicodeProperty() {
    var differences = 0
    for v in UInt32(0)...0x10FFFF where AlphabeticTable.isAlphabetic(v) != (Unicode.Scalar(v)?.properties.isAlphabetic ?? false) {
        differences += 1
    }
    #expect(differences == 0)
    #expect(AlphabeticTable.isAlphabetic(0x4E2D) && AlphabeticTable.isAlphabetic(0x3005) && !AlphabeticTable.isAlphabetic(0x3002))
    #expect(!AlphabeticTable.isAlphabetic(0xD800) && !AlphabeticTable.isAlphabetic(0x110000))
}
