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

    @Test func anAnswerWithoutItsLettersFallsBackToTheScript() throws {
        // More Latin letters (commands) than Hangul: the model answered zh, a language with no letter in the line.
        let id = try LanguageIdentifier(model: LanguageModel.bundled())
        let line = "whatis [-dlv?V] [-r|-w] [-s 목록] [-m 시스템[,...]] [-M 경로] [-L 로캘] [-C 파일] 이름 ..."
        let result = id.identify(line)
        #expect(result.language == "ko")
        #expect(result.score > 0.3 && result.score < 0.5)
        #expect(id.identify("xzcat 명령은 xz --decompress --stdout 명령과 동일합니다.").language == "ko")
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

    @Test func lettersOutsideTheAnswersAlphabetMeanAnotherLanguage() throws {
        let id = try LanguageIdentifier(model: LanguageModel.bundled())
        let foreign = [
            "Цей документ описує настанови щодо лікування в лікарні. Пацієнти мають приймати ліки лише за призначенням лікаря, а про побічні ефекти повідомляти негайно.",
            "Bu belge hastanedeki tedavi yönergelerini açıklamaktadır. Hastalar ilaçlarını yalnızca doktorun talimatlarına göre almalı ve yan etkileri derhal bildirmelidir.",
            "Tài liệu này mô tả các hướng dẫn điều trị tại bệnh viện. Bệnh nhân phải uống thuốc theo đúng chỉ định của bác sĩ và báo ngay các tác dụng phụ.",
            "Acest document descrie ghidurile de tratament din spital. Pacienții trebuie să ia medicamentele numai conform instrucțiunilor medicului și să raporteze imediat efectele adverse.",
        ]
        for text in foreign {
            #expect(id.identify(text).language == "und", "\(text.prefix(16)): \(id.identify(text))")
        }
        // Names and loanwords repeated in one word, and a language's own letters, do not count.
        let own = [
            ("Sjögren syndrome is an autoimmune disease; in Sjögren syndrome the glands are dry, as Sjögren described in his thesis on the eye and mouth.", "en"),
            ("Dieses Dokument beschreibt die Behandlungsrichtlinien im Krankenhaus. Patienten müssen ihre Medikamente ausschließlich nach ärztlicher Anweisung einnehmen und Nebenwirkungen sofort melden.", "de"),
            ("Этот документ описывает рекомендации по лечению в больнице. Пациенты должны принимать лекарства строго по назначению врача и немедленно сообщать о побочных эффектах.", "ru"),
            ("Ce document décrit les recommandations de traitement à l'hôpital. Les patients doivent prendre leurs médicaments uniquement selon les instructions du médecin et signaler immédiatement les effets indésirables.", "fr"),
        ]
        for (text, language) in own { #expect(id.identify(text).language == language, "\(text.prefix(16))") }
    }

    @Test func wordsOutsideCountsDistinctWords() throws {
        let german = try #require(LanguageAlphabet.letters(of: "de"))
        #expect(german.contains(0xC4) && german.contains(0xE4) && german.contains(0xDF))  // Ä ä ß
        func words(_ text: String, _ n: Int) -> Bool {
            var copy = text
            return copy.withUTF8 { LanguageAlphabet.wordsOutside($0, german, .latin, atLeast: n) }
        }
        #expect(!words("Åsa och Åsa och Åsa", 2))      // one word, three times
        #expect(words("Åsa och Örjan på ön", 2))       // Åsa, på (ö is German)
        #expect(!words("Åsa och Örjan på ön", 3))
        #expect(!words("241 A1 Ḃ 242 A2 ḃ 243 A3 Å 244 A4 Ċ 245 A5 ċ", 1))  // letters standing alone: a charset table
        #expect(LanguageAlphabet.letters(of: "sv") == nil)
    }

    @Test func scriptsOfLanguagesAndLetters() {
        #expect(WritingScript.scripts(of: "ru") == [.cyrillic] && WritingScript.scripts(of: "zh-Hant") == [.han])
        #expect(WritingScript.scripts(of: "el") == [.greek] && WritingScript.scripts(of: "de") == [.latin])
        #expect(WritingScript.of(0x1F00) == .greek && WritingScript.of(0xAC00) == .hangul && WritingScript.of(0x20000) == .han)
        #expect(WritingScript.of(0x00E9) == .latin && WritingScript.of(0x0416) == .cyrillic && WritingScript.of(0x30A2) == .kana)
        var copy = "abc 中文字"
        let main = copy.withUTF8 { WritingScript.tally($0).main }
        #expect(main?.script == .latin && main?.share == 0.5)
    }
}
