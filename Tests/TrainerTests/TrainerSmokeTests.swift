import Testing
@testable import Trainer

@Test func trainerModuleBuilds() { #expect(Bool(true)) }
