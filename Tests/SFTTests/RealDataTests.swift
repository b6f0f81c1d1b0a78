import Foundation
import Testing
@testable import SFT

/// The real data beside the repository (`../shared/data`); these tests skip when it is absent.
enum RealData {
    static let root = Fix.repoRoot + "/../shared/data"
    static func path(_ p: String) -> String { root + "/" + p }
    static func has(_ p: String) -> Bool { FileManager.default.fileExists(atPath: path(p)) }
    static let identity = "sft-general/llama-factory-demos/data/identity.json"
    static let v1 = "sft-general/llama-factory-demos/data/v1_sft_demo.jsonl"
}

@Test(.enabled(if: RealData.has(RealData.identity)))
func identityPlaceholdersAreReported() throws {
    let v = SFTValidator()
    try v.validate(path: RealData.path(RealData.identity))
    #expect(v.summary.records == 91)
    #expect(v.summary.byCode == [.placeholder: 85])
    var o = SFTValidationOptions()
    o.placeholderValues = ["name": "Medi", "author": "Clinic"]
    let filled = SFTValidator(options: o)
    try filled.validate(path: RealData.path(RealData.identity))
    #expect(filled.summary.valid == 91)
}

@Test(.enabled(if: RealData.has(RealData.v1)))
func llamaFactoryV1MessagesWithContentParts() throws {
    var o = SFTValidationOptions()
    o.dedupPerFile = true
    let v = SFTValidator(options: o)
    var first: SFTRecord?
    try v.validate(path: RealData.path(RealData.v1)) { r, _ in if first == nil { first = r } }
    #expect(v.summary.records == 500)
    #expect(v.summary.byCode[.invalidJSON] == nil)
    #expect(v.summary.byCode[.wrongType] == nil)
    #expect(first?.messages.first?.weight == 0)
}
