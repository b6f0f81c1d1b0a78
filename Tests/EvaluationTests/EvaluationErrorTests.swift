import Testing
@testable import Evaluation

@Suite struct EvaluationErrorTests {
    @Test func messagesNameTheKind() {
        #expect(EvaluationError.config("x").description == "configuration: x")
        #expect(EvaluationError.data("y").description == "data: y")
    }
}
