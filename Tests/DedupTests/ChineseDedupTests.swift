import DomainForgeCore
import Testing
@testable import Dedup
import PipelineRunner

/// `chinese: t2s` on exact and MinHash dedup: zh_CN and zh_TW copies of one text are duplicates; written text is
/// unchanged.
@Suite struct ChineseDedupTests {
    static let simplified = "我们应该保护环境，减少污染，让下一代生活在更美好的世界里。医院的医生每天都要检查病人的身体状况，并且记录详细的病历。"
    static let traditional = "我們應該保護環境，減少污染，讓下一代生活在更美好的世界裡。醫院的醫生每天都要檢查病人的身體狀況，並且記錄詳細的病歷。"

    @Test func openCCConvertsBothWays() throws {
        let t2s = try #require(try ChineseConverter.shared(.t2s))
        let s2t = try #require(try ChineseConverter.shared(.s2t))
        #expect(t2s.convert(Self.traditional) == Self.simplified)
        #expect(s2t.convert("汉字和软件") == "漢字和軟件")
        #expect(t2s.convert("plain ASCII, untouched") == "plain ASCII, untouched")
        #expect(t2s.convert("頭\0尾") == "头\0尾")
        #expect(try ChineseConverter.shared(.none) == nil)
    }

    @Test func exactDedupFindsTraditionalCopyWithT2SKey() throws {
        var o = ExactDedupStage.Options()
        o.chinese = .t2s
        let docs = [doc("cn", Self.simplified), doc("tw", Self.traditional)]
        let r = try run(try ExactDedupStage(options: o, stateDirectory: tempDir()), docs)
        #expect(dropped(r) == ["tw"])
        #expect(r.map(\.2) == [Self.simplified, Self.traditional])  // the text is not converted
        // Without the option they are different texts.
        #expect(dropped(try run(try ExactDedupStage(stateDirectory: tempDir()), docs)).isEmpty)
    }

    @Test func minhashDedupFindsTraditionalCopyWithT2SKey() throws {
        var o = MinHashDedupStage.Options()
        o.chinese = .t2s
        let docs = [doc("cn", Self.simplified), doc("tw", Self.traditional)]
        #expect(dropped(try run(try MinHashDedupStage(options: o, stateDirectory: tempDir()), docs)) == ["tw"])
        #expect(dropped(try run(try MinHashDedupStage(stateDirectory: tempDir()), docs)).isEmpty)
    }

    @Test func chineseOptionIsParsedAndChecked() throws {
        let s = try StageRegistry.makeOrderedStage(type: "exact_dedup", options: .object(["chinese": .string("t2s")]),
                                           stateDirectory: tempDir(), baseDirectory: "")
        #expect((s as? ExactDedupStage)?.options.chinese == .t2s)
        #expect(throws: DedupConfigError.self) {
            try StageRegistry.makeOrderedStage(type: "minhash_dedup", options: .object(["chinese": .string("x2y")]),
                                       stateDirectory: tempDir(), baseDirectory: "")
        }
    }
}
