import DomainForgeCore
import Foundation
import Testing
@testable import Trainer
import TestSupport

/// A Python that can import gguf (llama.cpp's gguf-py): DOMAINFORGE_PYTHON, else the first python3 on PATH; nil
/// when neither can (the read-back test skips).
let ggufPython: String? = {
    let env = ProcessInfo.processInfo.environment
    var candidates = [env["DOMAINFORGE_PYTHON"]]
    for dir in (env["PATH"] ?? "").split(separator: ":") { candidates.append(dir + "/python3") }
    for c in candidates {
        guard let c, FileManager.default.isExecutableFile(atPath: c) else { continue }
        if let py = python(c, importing: "gguf, numpy") { return py }
    }
    return nil
}()

@Suite struct GGUFExportTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/compat/check_gguf.py").path

    @Test func halfPrecisionRoundsToNearestEven() {
        #expect(GGUFFile.halfBits(1) == 0x3C00)
        #expect(GGUFFile.halfBits(-2.5) == 0xC100)
        #expect(GGUFFile.halfBits(65504) == 0x7BFF)
        #expect(GGUFFile.halfBits(65520) == 0x7C00)          // halfway to the next step rounds up to infinity
        #expect(GGUFFile.halfBits(1 + 1.0 / 2048) == 0x3C00)  // a tie rounds to the even mantissa
        #expect(GGUFFile.halfBits(1 + 3.0 / 2048) == 0x3C02)
        #expect(GGUFFile.halfBits(6e-8) == 0x0001)            // subnormal
        #expect(GGUFFile.halfBits(1e-8) == 0x0000)
        #expect(GGUFFile.halfBits(.infinity) == 0x7C00)
    }

    @Test func q8_0BlocksAreScaleThenInt8() {
        let x = (0..<32).map { Float($0) - 16 }
        let b = x.withUnsafeBufferPointer { GGUFFile.q8_0Bytes($0) }
        #expect(b.count == 34)
        #expect(UInt16(b[0]) | UInt16(b[1]) << 8 == GGUFFile.halfBits(16.0 / 127))
        #expect(Int8(bitPattern: b[2]) == -127)    // -16 is the largest magnitude
        #expect(Int8(bitPattern: b[2 + 16]) == 0)
        #expect(Int8(bitPattern: b[2 + 24]) == 64)  // 8 · 127 / 16 = 63.5 rounds away from zero
    }

    @Test func rotaryRowsBecomeInterleavedPairs() {
        #expect(GGUFExporter.permuteRotary([0, 1, 2, 3, 10, 11, 12, 13], heads: 2, headDim: 4, cols: 1) == [0, 2, 1, 3, 10, 12, 11, 13])
        #expect(GGUFExporter.permuteRotary([0, 1, 2, 3], heads: 1, headDim: 2, cols: 2) == [0, 1, 2, 3])
    }

    @Test func theHeaderIsGGUFv3WithAlignedData() throws {
        let d = TmpDir()
        _ = try sampleModelFolder(d.path + "/ck")
        let s = try GGUFExporter.export(checkpoint: d.path + "/ck", type: .f32, to: d.path + "/m.gguf")
        #expect(s.tensors == 21 && s.vocabulary == 3113 && s.pre == "dbrx" && s.hasChatTemplate)
        let b = [UInt8](try #require(FileManager.default.contents(atPath: d.path + "/m.gguf")))
        #expect(Array(b[0..<4]) == Array("GGUF".utf8))
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) } }
        #expect(b[4] == 3 && b[5] == 0 && b[6] == 0 && b[7] == 0)
        #expect(u64(8) == 21)  // 2 layers × 9, embedding, norm, untied output
        #expect(b.count % 32 == 0)
    }

    @Test func aTokenizerLlamaCppCannotReproduceIsRefused() throws {
        let d = TmpDir()
        _ = try sampleModelFolder(d.path + "/ck")
        let text = try String(contentsOfFile: sampleTokenizerPath, encoding: .utf8)
        try text.replacingOccurrences(of: "\"normalizer\": null", with: "\"normalizer\": {\"type\": \"NFKC\"}")
            .write(toFile: d.path + "/nfkc.json", atomically: true, encoding: .utf8)
        #expect(throws: TrainerError.config("\(d.path)/nfkc.json: the tokenizer normalizes text (nfkc), llama.cpp's BPE does not; llama.cpp would tokenize differently, so no GGUF is written (retrain the tokenizer with --pattern gpt2, cl100k or qwen2)")) {
            _ = try GGUFExporter.export(checkpoint: d.path + "/ck", tokenizerPath: d.path + "/nfkc.json", type: .f32, to: d.path + "/m.gguf")
        }
        #expect(!FileManager.default.fileExists(atPath: d.path + "/m.gguf"))
    }

    /// gguf-py reads every tensor back equal (f32, f16 exactly; q8_0 byte for byte as its own quantizer), with our
    /// vocabulary, merges, ids, hyper-parameters and chat template.
    @Test(.enabled(if: ggufPython != nil, "needs a Python with gguf (pip install gguf): DOMAINFORGE_PYTHON or python3 on PATH"),
          arguments: [GGUFExporter.WeightType.f32, .f16, .q8_0])
    func ggufPyReadsItBack(_ type: GGUFExporter.WeightType) throws {
        let d = TmpDir()
        _ = try sampleModelFolder(d.path + "/ck")
        _ = try GGUFExporter.export(checkpoint: d.path + "/ck", type: type, to: d.path + "/m.gguf")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ggufPython!)
        p.arguments = [Self.script, d.path + "/m.gguf", d.path + "/ck"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        print("gguf \(type.rawValue): \(out)")
        #expect(p.terminationStatus == 0, "\(out)")
    }
}
