import PipelineRunner
import DomainForgeCore
import Foundation
import Segmentation
import Testing
@testable import Dedup

/// `cjk_shingle`: Chinese documents are shingled and n-grammed over ICU's words (or characters on request);
/// English documents keep `TextKit`'s words.
@Suite struct CJKShingleTests {
    static let article = "医院的信息系统每天记录大量的病历数据，医生需要在很短的时间内找到病人以前的检查结果。"
        + "为了提高工作效率，我们开发了一个新的检索工具，它可以根据病人的姓名、年龄和诊断快速地列出相关的记录。"
        + "这个工具已经在三家医院试用了半年，医生们普遍认为它节省了很多时间，同时也减少了重复检查的次数。"
        + "下一步，我们计划把它和药房的系统连接起来，让医生在开药的时候能够看到病人的过敏史和正在使用的药物。"
    /// The article with one phrase reworded and a closing sentence added.
    static let revised = article.replacingOccurrences(of: "试用了半年", with: "试用了一年")
        + "欢迎大家提出意见。"
    static let unrelated = "春天来了，公园里的花都开了，孩子们在草地上放风筝，老人们坐在长椅上聊天。"
        + "湖边有很多人在钓鱼，小船慢慢地从桥下划过，远处的山上还能看到一些没有融化的雪。"
        + "傍晚的时候，天空变成了橙色，鸟儿飞回树林，街上的路灯一盏一盏地亮了起来，人们陆续回家吃晚饭。"
        + "周末的集市上卖着新鲜的蔬菜和水果，还有手工做的点心，空气里弥漫着烤红薯的香味。"

    @Test func segmentedScanGivesICUWordsAndKeepsOtherWords() {
        let text = "我们去北京。Hello, World 日本語"
        var words: [String] = []
        var hashes: [UInt64] = []
        var t = text
        t.withUTF8 { p in
            TextKit.scanSegmentedWords(p) { s, e, h in
                words.append(String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self)); hashes.append(h)
            }
        }
        #expect(words == ["我们", "去", "北京", "Hello", "World", "日本語"])
        // ASCII words hash as TextKit's words (lowercased); a one-character word as TextKit's character token.
        #expect(Array(hashes[3...4]) == TextKit.wordHashes("hello world"))
        #expect(hashes[1] == TextKit.wordHashes("去")[0])
        #expect(TextKit.wordHashes(text).count == 10)  // one token per character before
    }

    @Test func englishTokensAreTheSameInBothModes() {
        let english = prose(seed: 9, words: 80) + " “quoted” café 北京"
        var o = MinHashDedupStage.Options()
        let chars = MinHasher(options: o, keyConverter: nil)  // the default
        o.cjkShingle = .words
        let words = MinHasher(options: o, keyConverter: nil)
        #expect(words.prepare(doc("en", english)) == chars.prepare(doc("en", english)))
        #expect(words.shingles(english) == chars.shingles(english))
        // A Chinese document differs: ICU words in one, characters in the other.
        #expect(words.prepare(doc("zh", Self.article)) != chars.prepare(doc("zh", Self.article)))
        #expect(words.shingles(Self.article, unspaced: true).count == WordSegmenter.words(of: Self.article).count - 4)
        #expect(chars.shingles(Self.article, unspaced: true).count == Self.article.filter { $0 != "，" && $0 != "。" && $0 != "、" }.count - 4)
    }

    @Test(arguments: [CJKShingle.words, .chars])
    func chineseNearDuplicateIsFoundAndUnrelatedTextIsNot(mode: CJKShingle) throws {
        var o = MinHashDedupStage.Options()
        o.cjkShingle = mode
        let stage = try MinHashDedupStage(options: o, stateDirectory: tempDir())
        var tagged = doc("revised", Self.revised)
        tagged.metadata["language"] = .string("zh")
        let r = try run(stage, [doc("article", Self.article), doc("unrelated", Self.unrelated), tagged])
        #expect(dropped(r) == ["revised"])
        guard case .drop(let reason, let details) = r[2].1 else { Issue.record("not dropped"); return }
        #expect(reason == "near_duplicate" && details?.duplicateOf == "article")
    }

    @Test func unrelatedChineseTextsShareNoShingle() {
        var o = MinHashDedupStage.Options()
        o.cjkShingle = .words
        let h = MinHasher(options: o, keyConverter: nil)
        let a = Set(h.shingles(Self.article, unspaced: true)), b = Set(h.shingles(Self.unrelated, unspaced: true))
        #expect(!a.isEmpty && a.isDisjoint(with: b))
        let revised = Set(h.shingles(Self.revised, unspaced: true))
        let jaccard = Double(a.intersection(revised).count) / Double(a.union(revised).count)
        #expect(jaccard > 0.8 && jaccard < 1)
    }

    static let question = "下列哪一种药物最常用于治疗成年人的高血压，并且需要定期检查病人的肾功能？"

    func chineseEvalSet(_ extra: [String: JSONValue] = [:]) throws -> (JSONValue, String) {
        let dir = tempDir()
        try "{\"question\": \"\(Self.question)\", \"answer\": \"A\"}\n".write(toFile: dir + "/cmedqa.jsonl", atomically: true, encoding: .utf8)
        var o: [String: JSONValue] = ["mode": .string("cut"), "eval_sets": .array([.object([
            "name": .string("cmedqa"), "path": .string("cmedqa.jsonl"), "format": .string("jsonl"),
            "fields": .array([.string("question")])])])]
        o.merge(extra) { $1 }
        return (.object(o), dir)
    }

    @Test func chineseEvalItemIsFoundThroughSegmentedNGrams() throws {
        let n = WordSegmenter.words(of: Self.question).count
        #expect(n >= 13 && n < Self.question.count - 8)  // 13-grams of words, not of characters
        let (options, dir) = try chineseEvalSet()
        let s = try StageRegistry.makeOrderedStage(type: "decontaminate", options: options, stateDirectory: tempDir(), baseDirectory: dir)
        let leak = Self.article + "考试题目：" + Self.question + "答案是A。" + Self.unrelated
        let r = try run(s, [doc("leak", leak), doc("clean", Self.article), doc("partial", "下列哪一种药物最常用于治疗儿童的感冒？")])
        #expect(r.map(\.1) == [.keep, .keep, .keep])
        // The question is cut out, from its first word to its last (the closing ？ is not a word).
        #expect(r[0].2 == Self.article + "考试题目：" + "？答案是A。" + Self.unrelated)
        #expect(r[1].2 == Self.article)
    }

    @Test func charsModeUsesCharacterNGrams() throws {
        let (options, dir) = try chineseEvalSet(["mode": .string("drop"), "cjk_shingle": .string("chars"), "cjk_char_ngram": .int(20)])
        let s = try StageRegistry.makeOrderedStage(type: "decontaminate", options: options, stateDirectory: tempDir(), baseDirectory: dir)
        let twenty = String(Self.question.prefix(20)), nineteen = String(Self.question.prefix(19))
        let r = try run(s, [doc("20", Self.article + twenty + "。"), doc("19", Self.article + nineteen + "。")])
        #expect(dropped(r) == ["20"])
    }

    @Test func optionsAreParsedAndChecked() throws {
        let s = try StageRegistry.makeOrderedStage(type: "minhash_dedup", options: .object([
            "cjk_shingle": .string("chars"), "cjk_char_ngram": .int(3)]), stateDirectory: tempDir(), baseDirectory: "")
        let m = try #require(s as? MinHashDedupStage)
        #expect(m.preparer.words == DedupWords(cjk: .chars, ngram: 5, cjkCharNgram: 3))
        #expect(m.preparer.words.configSuffix == " cjk=chars:3")
        #expect(DedupWords(cjk: .words, ngram: 5, cjkCharNgram: nil).configSuffix == " cjk=words")
        #expect(DedupWords(cjk: .chars, ngram: 5, cjkCharNgram: 5).configSuffix.isEmpty)  // indexes of before
        #expect(MinHashDedupStage.Options().cjkShingle == .chars && DecontaminateStage.Options().cjkShingle == .words)
        #expect(throws: DedupConfigError.self) {
            try StageRegistry.makeOrderedStage(type: "minhash_dedup", options: .object(["cjk_shingle": .string("jieba")]),
                                       stateDirectory: tempDir(), baseDirectory: "")
        }
        do {
            _ = try StageRegistry.makeOrderedStage(type: "decontaminate", options: .object(["cjk_char_ngram": .int(0)]),
                                           stateDirectory: tempDir(), baseDirectory: "")
            Issue.record("cjk_char_ngram 0 accepted")
        } catch let e as DedupConfigError {
            #expect(e.message == "stage 'decontaminate': invalid option 'cjk_char_ngram': must be 1...256")
        }
    }
}

extension CJKShingleTests {
    @Test func aLineBreakInsideAChineseRunIsNotAWordBoundary() {
        let wrapped = "医院的信息系统每天记录大量的病\n历数据，医生需要在很短的时间\r\n 内找到病人。"
        var spans: [String] = []
        var hashes: [UInt64] = []
        var t = wrapped
        t.withUTF8 { p in
            TextKit.scanSegmentedWords(p) { s, e, h in
                spans.append(String(decoding: UnsafeBufferPointer(rebasing: p[s..<e]), as: UTF8.self)); hashes.append(h)
            }
        }
        var joined: [UInt64] = []
        var u = wrapped.filter { !$0.isWhitespace }
        u.withUTF8 { p in TextKit.scanSegmentedWords(p) { _, _, h in joined.append(h) } }
        #expect(hashes == joined)
        #expect(spans.contains("病\n历") && spans.contains("时间\r\n 内") == (WordSegmenter.words(of: "时间内").count == 1))
        #expect(spans.joined().filter { !$0.isWhitespace } == WordSegmenter.words(of: u).joined())
    }
}

