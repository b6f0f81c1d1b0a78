/// One MMLU-style question: the stem, its choices, the index of the right one, and where it was read.
public struct MultipleChoiceQuestion: Sendable, Equatable {
    public var question: String
    public var choices: [String]
    public var answer: Int
    public var file: String
    public var line: Int

    /// A question from its parts.
    public init(question: String, choices: [String], answer: Int, file: String, line: Int) {
        self.question = question; self.choices = choices; self.answer = answer; self.file = file; self.line = line
    }

    /// Parses a CSV record `question, choice..., answer` (at least two choices). The answer is a 0-based index
    /// (`0`-`3`, the shared MMLU layout) or a letter (`A`-`D`, the original MMLU files). A header row (last field
    /// `answer`) gives nil and no error. Returns the question or the reason the row is unusable.
    public static func parse(fields: [String], file: String, line: Int) -> Result<MultipleChoiceQuestion, ParseProblem>? {
        guard let last = fields.last else { return .failure(ParseProblem("empty row", file: file, line: line)) }
        if fields.count >= 3 && last.trimmingCharacters(in: .whitespaces).lowercased() == "answer" { return nil }
        guard fields.count >= 4 else {
            return .failure(ParseProblem("expected question, at least two choices and answer; found \(fields.count) field(s)", file: file, line: line))
        }
        let choices = Array(fields[1..<(fields.count - 1)])
        let a = last.trimmingCharacters(in: .whitespaces)
        var index: Int?
        if let i = Int(a) { index = i } else if a.count == 1, let u = a.unicodeScalars.first, u.value >= 65, u.value < 65 + 26 {
            index = Int(u.value) - 65
        }
        guard let i = index, i >= 0, i < choices.count else {
            return .failure(ParseProblem("answer \"\(a.prefix(20))\" is not a choice index 0-\(choices.count - 1) or a letter A-\(Character(UnicodeScalar(UInt8(64 + choices.count))))", file: file, line: line))
        }
        guard !fields[0].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .failure(ParseProblem("the question is empty", file: file, line: line))
        }
        return .success(MultipleChoiceQuestion(question: fields[0], choices: choices, answer: i, file: file, line: line))
    }

    /// Why a row was skipped, with its place.
    public struct ParseProblem: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var file: String
        public var line: Int
        /// A problem at `file:line`.
        public init(_ message: String, file: String, line: Int) { self.message = message; self.file = file; self.line = line }
        public var description: String { "\(file):\(line): \(message)" }
    }
}

import Foundation
