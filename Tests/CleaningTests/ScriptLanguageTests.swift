import DomainForgeCore
import PipelineRunner
import Foundation
import Testing
@testable import Cleaning

/// The script layer of language identification: text written mainly in a script none of the model's languages uses
/// is not forced onto one of them.
@Suite struct ScriptLanguageTests {
    static let samples: [(text: String, language: String)] = [
        ("한국어는 아름다운 언어입니다. 이 문서는 병원의 진료 지침을 설명합니다.", "ko"),
        ("Αυτό το έγγραφο περιγράφει τις οδηγίες θεραπείας στο νοσοκομείο.", "el"),
        ("เอกสารนี้อธิบายแนวทางการรักษาในโรงพยาบาล", "th"),
        ("מסמך זה מתאר את הנחיות הטיפול בבית החולים.", "he"),
        ("ეს დოკუმენტი აღწერს მკურნალობის სახელმძღვანელოს.", "ka"),
        ("Այս փաստաթուղթը նկարագրում է հիվանդանոցի բուժման ուղեցույցները։", "hy"),
        ("இந்த ஆவணம் மருத்துவமனையில் சிகிச்சை வழிகாட்டுதல்களை விவரிக்கிறது.", "ta"),
        // Scripts several languages share, none of them in the model: no guess.
        ("هذه الوثيقة تشرح إرشادات العلاج في المستشفى.", "und"),
        ("यह दस्तावेज़ अस्पताल में उपचार दिशानिर्देशों का वर्णन करता है।", "und"),
        // The model's scripts: the model decides, as before.
        ("東京都に行きました。それから友だちと会いました。", "ja"),
        ("我们去北京。这是一个测试文件，用于检查语言识别。", "zh"),
        ("Use the 한국어 word in English text about learning the Korean language.", "en"),
    ]

    @Test func mainScriptDecidesWhenTheModelHasNoLanguageForIt() throws {
        let id = try LanguageIdentifier(model: LanguageModel.bundled())
        for (text, language) in Self.samples {
            let result = id.identify(text)
            #expect(result.language == language, "\(text.prefix(12)): \(result.language) \(result.score)")
            if language == "und" { #expect(result.score == 0) }
        }
        // The score of a script-decided language is that script's share of the letters.
        let mixed = id.identify("한국어 문서 병원 진료 지침 abc")
        #expect(mixed.language == "ko")
        #expect(abs(mixed.score - 11.0 / 14.0) < 1e-9)
    }

    @Test func aModelWithTheLanguageDecidesItself() {
        // A model that knows Korean (here with no features at all) is asked instead of the script rule.
        let withKorean = LanguageIdentifier(model: LanguageModel(bucketBits: 8, languages: ["ko", "en"], features: [], weights: []))
        #expect(withKorean.identify("한국어는 아름다운 언어입니다.").language == "und")
        let without = LanguageIdentifier(model: LanguageModel(bucketBits: 8, languages: ["de", "en"], features: [], weights: []))
        #expect(without.identify("한국어는 아름다운 언어입니다.").language == "ko")
    }

    @Test func allowListNoLongerAdmitsKoreanAsChinese() throws {
        let stage = try StageRegistry.makeDocumentStage(type: "language_id", options: .object(["languages": .array([.string("zh")])]))
        var doc = Document(id: "k", text: Self.samples[0].text, source: "t")
        var counters = StageCounters()
        #expect(stage.process(&doc, counters: &counters) == .drop(reason: "language_not_allowed"))
        #expect(doc.metadata["language"]?.stringValue == "ko")
        #expect(counters.values["language_ko"] == 1)
    }

    @Test func scriptsOfLanguagesAndLetters() {
        #expect(WritingScript.scripts(of: "ru") == [.cyrillic] && WritingScript.scripts(of: "zh-Hant") == [.han])
        #expect(WritingScript.scripts(of: "el") == [.greek] && WritingScript.scripts(of: "de") == [.latin])
        #expect(WritingScript.of(0x1F00) == .greek && WritingScript.of(0xAC00) == .hangul && WritingScript.of(0x20000) == .han)
        #expect(WritingScript.of(0x00E9) == .latin && WritingScript.of(0x0416) == .cyrillic && WritingScript.of(0x30A2) == .kana)
        var copy = "abc 中文字"
        let main = copy.withUTF8 { WritingScript.main(of: $0) }
        #expect(main?.script == .latin && main?.share == 0.5)
    }
}
