import Testing
@testable import Cleaning

@Test func CleaningModuleBuilds() { #expect(Bool(true)) }
