import PipelineRunner
import DomainForgeCore
import Foundation
import Testing
@testable import Cleaning

@Suite struct LanguageIDTests {
    static func stage(_ options: JSONValue) throws -> any DocumentStage {
        try StageRegistry.makeDocumentStage(type: "language_id", options: options)
    }

    static func metadata(_ stage: any DocumentStage, _ text: String) -> (StageVerdict, String?, Double?) {
        var doc = Document(id: "d", text: text, source: "test")
        var counters = StageCounters()
        let verdict = stage.process(&doc, counters: &counters)
        return (verdict, doc.metadata["language"]?.stringValue, doc.metadata["language_score"]?.doubleValue)
    }

    @Test(arguments: LanguageIDFixtures.paragraphs.map(\.label))
    func detectsEachShippedLanguage(_ label: String) throws {
        let text = try #require(LanguageIDFixtures.paragraphs.first { $0.label == label }).text
        let result = try LanguageIdentifier(model: LanguageModel.bundled()).identify(text)
        #expect(result.language == label, "\(label): got \(result.language) \(result.score)")
        #expect(result.score > 0.5)
    }

    @Test func shippedModelCoversTheFixtureLanguages() throws {
        let model = try LanguageModel.bundled()
        for (label, _) in LanguageIDFixtures.paragraphs where label != "zh-Hant" {
            #expect(model.languages.contains(label), "\(label) missing from the model")
        }
        #expect(!model.traditionalOnly.isEmpty && !model.simplifiedOnly.isEmpty)
        #expect(model.encoded().count < 2 * 1024 * 1024)
    }

    @Test func simplifiedAndTraditionalChineseDiffer() throws {
        let id = try LanguageIdentifier(model: LanguageModel.bundled())
        #expect(id.identify("这个软件包提供了网络配置的工具和说明。").language == "zh")
        #expect(id.identify("這個軟體包提供了網路設定的工具和說明。").language == "zh-Hant")
    }

    @Test func writesMetadataAndKeepsWithoutFilters() throws {
        let (verdict, language, score) = Self.metadata(try Self.stage(.null), LanguageIDFixtures.paragraphs[1].text)
        #expect(verdict == .keep)
        #expect(language == "de")
        #expect(try #require(score) > 0.5 && score! <= 1)
    }

    @Test func allowListDropsOtherLanguages() throws {
        let stage = try Self.stage(.object(["languages": .array([.string("zh"), .string("en")])]))
        #expect(Self.metadata(stage, LanguageIDFixtures.paragraphs[0].text).0 == .keep)
        #expect(Self.metadata(stage, LanguageIDFixtures.paragraphs[2].text).0 == .drop(reason: "language_not_allowed"))
        let hant = try #require(LanguageIDFixtures.paragraphs.first { $0.label == "zh-Hant" }).text
        #expect(Self.metadata(stage, hant).0 == .keep, "zh admits zh-Hant")
        #expect(Self.metadata(stage, "12345 -- 678 !!!").0 == .drop(reason: "language_undetermined"))
    }

    @Test func undeterminedIsKeptWithoutAllowList() throws {
        let stage = try Self.stage(.object(["min_score": .double(0.9)]))
        for text in ["", "2026-12-02 12:00:00", "... --- !!! ???", "42", "x 1"] {
            let (verdict, language, score) = Self.metadata(stage, text)
            #expect(verdict == .keep && language == "und" && score == 0, "\(text)")
        }
    }

    @Test func perLanguageMinScore() throws {
        let id = try LanguageIdentifier(model: LanguageModel.bundled())
        let text = "the file"
        let r = id.identify(text)
        #expect(r.language != "de" && r.score < 0.99)
        let strict = try Self.stage(.object(["min_score": .object(["default": .double(0), r.language: .double(min(1, r.score + 0.001))])]))
        #expect(Self.metadata(strict, text).0 == .drop(reason: "language_score_too_low"))
        #expect(Self.metadata(strict, LanguageIDFixtures.paragraphs[1].text).0 == .keep, "de uses the default")
        let lax = try Self.stage(.object(["min_score": .object(["default": .double(1), r.language: .double(0)])]))
        #expect(Self.metadata(lax, text).0 == .keep)
        #expect(Self.metadata(lax, LanguageIDFixtures.paragraphs[1].text).0 == .drop(reason: "language_score_too_low"))
    }

    @Test func thresholdLookupFallsBackToBaseLanguage() {
        let t = LanguageScoreThresholds(defaultValue: 0.5, perLanguage: ["zh": 0.69])
        #expect(t.threshold(for: "zh-Hant") == 0.69)
        #expect(t.threshold(for: "en") == 0.5)
    }

    @Test func badOptionsAreClearErrors() {
        #expect(throws: CleaningConfigError.self) { try Self.stage(.object(["min_score": .double(1.5)])) }
        #expect(throws: CleaningConfigError.self) { try Self.stage(.object(["min_score": .object(["zh": .string("x")])])) }
        #expect(throws: CleaningConfigError.self) { try Self.stage(.object(["languages": .string("zh")])) }
        #expect(throws: LanguageModelError.self) { try Self.stage(.object(["model": .string("/nonexistent/langid.model")])) }
    }

    @Test func deterministic() throws {
        let a = try LanguageIdentifier(model: LanguageModel.bundled())
        let b = try LanguageIdentifier(model: LanguageModel.bundled())
        for (_, text) in LanguageIDFixtures.paragraphs {
            #expect(a.identify(text) == b.identify(text))
            #expect(a.identify(text) == a.identify(text))
        }
    }

    @Test func vectorAndScalarSumsAgree() throws {
        let id = try LanguageIdentifier(model: LanguageModel.bundled())
        let long = String(repeating: LanguageIDFixtures.paragraphs[3].text + " ", count: 200)
        for text in LanguageIDFixtures.paragraphs.map(\.text) + [long] {
            var t = text
            let (v, s) = t.withUTF8 { (id.vectorLogLikelihoods($0), id.scalarLogLikelihoods($0)) }
            #expect(v.0 == s.0 && v.1 == s.1)
        }
    }

    @Test func modelRoundTripsAndCorruptionIsCaught() throws {
        let model = try LanguageModel.bundled()
        var bytes = model.encoded()
        #expect(try LanguageModel.decode(bytes, path: "m") == model)
        bytes[bytes.count / 2] ^= 0x01
        #expect(throws: LanguageModelError.checksumMismatch(path: "m")) { try LanguageModel.decode(bytes, path: "m") }
        #expect(throws: LanguageModelError.notAModel(path: "m")) { try LanguageModel.decode(Array("{\"x\":1}".utf8), path: "m") }
        let cut = Array(model.encoded().prefix(100))
        #expect(throws: LanguageModelError.self) { try LanguageModel.decode(cut, path: "m") }
    }

    @Test func corruptModelFileIsAClearStageError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("langid-corrupt-\(getpid()).model").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var bytes = try LanguageModel.bundled().encoded()
        bytes[40] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Self.stage(.object(["model": .string(path)]))
            Issue.record("a corrupt model was accepted")
        } catch let error as LanguageModelError {
            #expect(error == .checksumMismatch(path: path))
            #expect(error.description.contains("retrain"))
        }
    }

    @Test func trainsATinyModelFromAFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("langid-train-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (label, text) in [("en", "the cat sat on the mat and the dog ran"), ("de", "der Hund und die Katze sind über der Straße")] {
            let sub = dir.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try Data(String(repeating: text + "\n", count: 5).utf8).write(to: sub.appendingPathComponent("a.txt"))
        }
        var trainer = LanguageModelTrainer()
        trainer.bucketBits = 16
        trainer.featuresPerLanguage = 200
        let model = try trainer.train(folder: dir.path)
        #expect(model.languages == ["de", "en"])
        let id = LanguageIdentifier(model: model)
        #expect(id.identify("the dog and the cat").language == "en")
        #expect(id.identify("die Katze und der Hund").language == "de")
        #expect(throws: LanguageModelError.self) { try trainer.train(folder: dir.appendingPathComponent("en").path) }
    }
}
