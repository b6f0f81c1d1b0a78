import PipelineRunner
import Foundation
import DomainForgeCore
import Segmentation
import Testing
@testable import Cleaning

/// A Chinese article of varied, well-formed sentences (our own prose), one paragraph per line.
let chineseProse = """
高血压是一种常见的慢性疾病，很多患者在早期并没有明显的症状，因此常常被人们忽视。长期血压升高会损伤心脏、大脑和肾脏等重要器官，增加中风和心肌梗死的风险。
在生活方式方面，医生通常建议患者减少食盐的摄入，每天的食盐量最好控制在五克以下。多吃新鲜的蔬菜和水果，适量摄入低脂奶制品，也有助于降低血压。
如果生活方式的调整不能使血压达到目标，医生会考虑使用降压药物。患者应当按时服药，不要因为血压暂时正常就自行停药，否则血压可能再次升高。
家庭自测血压时，应在安静的环境中休息五分钟后再测量。把每次的结果记录下来，复诊时交给医生，可以帮助医生更准确地判断治疗效果。
"""

/// Makes a stage through the factory (as a pipeline does), with per-language rules.
func makeStage(_ type: String, _ options: [String: JSONValue] = [:]) throws -> any DocumentStage {
    try StageRegistry.makeDocumentStage(type: type, options: .object(options))
}

/// Runs `stage` on a document with the given metadata.
func run(_ stage: any DocumentStage, _ text: String, language: String?) -> (verdict: StageVerdict, text: String, counters: StageCounters) {
    var doc = Document(id: "d", text: text, source: "test", metadata: language.map { ["language": .string($0)] } ?? [:])
    var counters = StageCounters()
    let verdict = stage.process(&doc, counters: &counters)
    return (verdict, doc.text, counters)
}

@Suite struct SegmenterTests {
    @Test func chineseIsSplitIntoDictionaryWords() {
        let words = WordSegmenter.words(of: "我们今天去北京大学看书。")
        #expect(words.count >= 4, "\(words)")
        #expect(words.contains("今天"), "\(words)")
        #expect(!words.contains("。"))
    }

    @Test func japaneseMixesKanjiAndKana() {
        let words = WordSegmenter.words(of: "東京都に行きました。")
        #expect(words.count >= 3, "\(words)")
        #expect(words.joined() == "東京都に行きました")
    }

    @Test func englishWordsAndPunctuation() {
        let segments = WordSegmenter.segments(of: "Hello, world! It's 3.14.")
        #expect(WordSegmenter.words(of: "Hello, world! It's 3.14.") == ["Hello", "world", "It's", "3.14"])
        #expect(segments.filter { !$0.isWord }.count == 3)  // , ! .
    }

    @Test func thaiWithoutSpacesIsSegmented() {
        let words = WordSegmenter.words(of: "ภาษาไทยเป็นภาษาที่สวยงาม")
        #expect(words.count >= 4, "\(words)")
    }

    @Test func languageResolution() {
        #expect(DocumentLanguage.detectCJK(chineseProse) == "zh")
        #expect(DocumentLanguage.detectCJK("東京都に行きました。それから友だちと会いました。") == "ja")
        #expect(DocumentLanguage.detectCJK("한국어는 아름다운 언어입니다.") == "ko")
        #expect(DocumentLanguage.detectCJK(goodProse) == nil)
        #expect(DocumentLanguage.detectCJK("The word 中文 appears in this English sentence about languages.") == nil)
        let tagged = Document(id: "d", text: goodProse, source: "s", metadata: ["language": .string("zh-Hant")])
        #expect(DocumentLanguage.resolve(tagged) == "zh-Hant")
        #expect(DocumentLanguage.base("zh-Hant") == "zh")
    }
}

@Suite struct ChineseRulesTests {
    /// Each default filter stage keeps the Chinese article (each dropped it before: too_few_words, too_short, ...).
    @Test(arguments: ["c4_lines", "length", "gopher_quality", "gopher_repetition", "fineweb"])
    func chineseProseKept(type: String) throws {
        let stage = try makeStage(type)
        #expect(run(stage, chineseProse, language: nil).verdict == .keep)
        #expect(run(stage, chineseProse, language: "zh").verdict == .keep)
        #expect(run(stage, chineseProse, language: "zh-Hant").verdict == .keep)
    }

    @Test func c4LinesKeepsEveryChineseLine() throws {
        let r = run(try makeStage("c4_lines"), chineseProse, language: "zh")
        #expect(r.text == chineseProse.trimmingCharacters(in: .newlines))
        #expect(r.counters["c4_lines_removed_too_few_words"] == 0)
    }

    /// A real 1,500-character paragraph is not one "word" longer than max_word_length.
    @Test func longChineseParagraphIsNotALongWord() throws {
        var paragraph = ""
        while paragraph.count < 1_500 { paragraph += chineseProse.replacingOccurrences(of: "\n", with: "") }
        let stage = try makeStage("c4_lines")
        let r = run(stage, paragraph, language: nil)
        #expect(r.verdict == .keep)
        #expect(r.counters["c4_lines_removed_too_long_word"] == 0)
        // The English path (metadata says en) still sees one whitespace "word" and removes it.
        #expect(run(stage, paragraph, language: "en").counters["c4_lines_removed_too_long_word"] == 1)
    }

    @Test func chineseStopWordsAreFineWeb2s() throws {
        let stage = try #require(try makeStage("gopher_quality") as? GopherQualityFilter)
        let zh = try #require(stage.languageStages["zh"])
        #expect(zh.options.stopWords == LanguageRules.chineseStopWords)
        #expect(zh.options.stopWords.count == 22 && zh.options.stopWords.contains("的"))
        #expect(zh.options.maxAvgWordLength == 5 && zh.options.minAlphaWordsRatio == 0.735)
        // Chinese without any of those stop words is dropped for it; the article has them.
        var noStopWords = ""
        for _ in 0..<6 { noStopWords += "春天来到山谷万物慢慢复苏桃花开满整个山坡燕子从南方归来田野一片青翠。" }
        #expect(run(stage, noStopWords, language: "zh").verdict == dropped("gopher_enough_stop_words"))
        #expect(run(stage, chineseProse, language: "zh").verdict == .keep)
    }

    @Test func chineseJunkIsDroppedWithNamedReasons() throws {
        let c4 = try makeStage("c4_lines"), length = try makeStage("length")
        let repetition = try makeStage("gopher_repetition"), quality = try makeStage("gopher_quality")
        let links = "首页\n新闻\n更多\n下一页\n登录\n注册\n联系我们"
        #expect(run(c4, links, language: nil).verdict == dropped("c4_no_lines"))
        #expect(run(length, "联系电话：请见下方。", language: nil).verdict == dropped("too_short"))
        let repeated = Array(repeating: "点击这里领取免费体检名额，名额有限，先到先得，这是今年的最后机会。", count: 20).joined(separator: "\n")
        #expect(run(repetition, repeated, language: nil).verdict == dropped("dup_line_frac"))
        let mojibake = String(String.UnicodeScalarView(chineseProse.utf8.map { Unicode.Scalar($0) }))  // UTF-8 read as Latin-1
        #expect(run(quality, mojibake, language: nil).verdict == dropped("gopher_short_doc"))  // a few long Latin "words"
        var shuffled = Array(chineseProse.replacingOccurrences(of: "\n", with: ""))
        var rng = SplitMix(seed: 7)
        shuffled.shuffle(using: &rng)
        let s = String(shuffled).replacingOccurrences(of: "。", with: "") + "的"
        #expect(run(c4, s, language: nil).verdict == dropped("c4_no_lines"))
    }

    @Test func perLanguageOverride() throws {
        let stage = try makeStage("length", ["languages": .object(["zh": .object(["min_chars": .int(10_000)])])])
        #expect(run(stage, chineseProse, language: "zh").verdict == dropped("too_short"))
        #expect(run(stage, goodProse, language: nil).verdict == .keep)  // English keeps min_chars 200
        let fr = try makeStage("length", ["languages": .object(["fr": .object(["min_words": .int(5)])])])
        #expect(run(fr, "Bonjour à tous.", language: "fr").verdict == dropped("too_short"))
        #expect(throws: CleaningConfigError.self) { try makeStage("length", ["languages": .object(["zh": .object(["min_char": .int(1)])])]) }
        #expect(throws: CleaningConfigError.self) { try makeStage("length", ["languages": .array([])]) }
    }

    /// English documents take exactly the old path: same verdicts and text as a stage made without languages.
    @Test(arguments: ["c4_lines", "length", "gopher_quality", "gopher_repetition", "fineweb"])
    func englishUnchanged(type: String) throws {
        let routed = try makeStage(type)
        for text in [goodProse, goodLines, "Short text.", "Home | About\nContact us"] {
            let plain = plainStage(type)
            let a = run(routed, text, language: nil), b = run(plain, text)
            #expect(a.verdict == b.verdict && a.text == b.text && a.counters == b.counters)
            #expect(run(routed, text, language: "en").verdict == b.verdict)
        }
    }

    /// The English sample corpus (corpora/text, corpora/jsonl) gives the same verdicts, text and counters through the
    /// language-aware stages as through stages without languages (the pipelines' byte-identical outputs are checked by
    /// scripts/compare-english-outputs.sh against an older binary).
    @Test(arguments: ["c4_lines", "length", "gopher_quality", "gopher_repetition", "fineweb"])
    func englishSampleCorpusUnchanged(type: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("corpora")
        var texts: [String] = []
        for folder in ["text", "jsonl"] {
            let dir = root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            where name.hasSuffix(".jsonl") || name.hasSuffix(".txt") {
                let content = String(decoding: try Data(contentsOf: dir.appendingPathComponent(name)), as: UTF8.self)
                if name.hasSuffix(".jsonl") {
                    texts += content.split(separator: "\n").compactMap { (try? JSONParser.parse(String($0)))?["text"]?.stringValue }
                } else if name.hasSuffix(".txt") {
                    texts.append(content)
                }
            }
        }
        #expect(texts.count >= 5)
        let routed = try makeStage(type)
        for text in texts {
            let a = run(routed, text, language: nil), b = run(plainStage(type), text)
            #expect(a.verdict == b.verdict && a.text == b.text && a.counters == b.counters)
        }
    }

    func plainStage(_ type: String) -> any DocumentStage {
        switch type {
        case "c4_lines": return C4LinesStage()
        case "length": return LengthFilter()
        case "gopher_quality": return GopherQualityFilter()
        case "gopher_repetition": return GopherRepetitionFilter()
        default: return FineWebFilter()
        }
    }
}

/// A small deterministic generator for shuffles in tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
