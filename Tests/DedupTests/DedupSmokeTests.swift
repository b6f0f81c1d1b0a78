import Testing
@testable import Dedup

@Test func dedupModuleBuilds() { #expect(Bool(true)) }
