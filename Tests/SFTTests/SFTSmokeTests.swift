import Testing
@testable import SFT

@Test func sftModuleBuilds() { #expect(Bool(true)) }
