import Testing
@testable import Extraction

@Test func ExtractionModuleBuilds() { #expect(Bool(true)) }
