import DomainForgeCore
import Foundation
import Testing
@testable import Shards
import TestSupport

/// `pipeline export`: the JSONL keeps SFT loss masks, nanoGPT gets a train/val split and meta.pkl, every output
/// folder is created.
@Suite struct ExportFormatTests {
    @Test func jsonlKeepsLossMask() throws {
        let d = TmpDir()
        let samples = sampleSet(3, mask: true)
        try writeDataset(d.path, samples, mask: true)
        try ShardExporter.export(directory: d.path, format: .jsonl, out: d.path + "/new/sub/x.jsonl")
        let lines = String(decoding: FileManager.default.contents(atPath: d.path + "/new/sub/x.jsonl")!, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0] == Substring("{\"id\":\"doc-0\",\"ids\":[0],\"loss_mask\":[0]}"))
        let ids = samples[1].tokens.map(String.init).joined(separator: ","), mask = samples[1].lossMask!.map(String.init).joined(separator: ",")
        #expect(lines[1] == Substring("{\"id\":\"doc-1\",\"ids\":[\(ids)],\"loss_mask\":[\(mask)]}"))
    }

    @Test func megatronCreatesItsFolder() throws {
        let d = TmpDir()
        try writeDataset(d.path, sampleSet(4))
        #expect(try ShardExporter.export(directory: d.path, format: .megatron, out: d.path + "/m/prefix") == 4)
        #expect(FileManager.default.fileExists(atPath: d.path + "/m/prefix.idx"))
    }

    @Test func metaPickleBytes() {
        // PROTO 2, EMPTY_DICT, BINUNICODE "vocab_size", BININT 1000, SETITEM, STOP.
        let expected: [UInt8] = [0x80, 0x02, 0x7D, 0x58, 10, 0, 0, 0] + Array("vocab_size".utf8) + [0x4A, 0xE8, 0x03, 0, 0, 0x73, 0x2E]
        #expect(NanoGPTExporter.metaPickle(vocabSize: 1000) == expected)
    }

    @Test func nanoGPTSplitIsDeterministicAndComplete() throws {
        let d = TmpDir()
        let samples = sampleSet(200)
        try writeDataset(d.path, samples)
        let out = d.path + "/ngpt/data"
        let r = try NanoGPTExporter.export(reader: try ShardReader(directory: d.path), directory: d.path, out: out, valFraction: 0.1)
        #expect(r.total == 200 && r.vocabSize == 1000)
        // The side of each sample follows from its id alone.
        let threshold = UInt64(0.1 * 18_446_744_073_709_551_616.0)
        let isVal = samples.map { NanoGPTExporter.splitKey($0.id) < threshold }
        #expect(r.valSamples == isVal.filter { $0 }.count && r.valSamples > 5 && r.valSamples < 40)
        func u16(_ s: [ShardSample]) -> [UInt8] { s.flatMap { $0.tokens.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } } }
        let train = zip(samples, isVal).filter { !$1 }.map(\.0), val = zip(samples, isVal).filter { $1 }.map(\.0)
        #expect([UInt8](FileManager.default.contents(atPath: out + "/train.bin")!) == u16(train))
        #expect([UInt8](FileManager.default.contents(atPath: out + "/val.bin")!) == u16(val))
        #expect([UInt8](FileManager.default.contents(atPath: out + "/meta.pkl")!) == NanoGPTExporter.metaPickle(vocabSize: 1000))
        // Again: same bytes.
        let again = d.path + "/ngpt2"
        _ = try NanoGPTExporter.export(reader: try ShardReader(directory: d.path), directory: d.path, out: again, valFraction: 0.1)
        #expect(FileManager.default.contents(atPath: again + "/val.bin") == FileManager.default.contents(atPath: out + "/val.bin"))
    }

    @Test func nanoGPTBadFractionsAreRefused() throws {
        let d = TmpDir()
        try writeDataset(d.path, sampleSet(3))
        let reader = try ShardReader(directory: d.path)
        #expect(throws: ShardError.self) { try NanoGPTExporter.export(reader: reader, directory: d.path, out: d.path + "/o", valFraction: 1.5) }
        #expect(throws: ShardError.self) { try NanoGPTExporter.export(reader: reader, directory: d.path, out: d.path + "/o.bin", valFraction: 0.2) }
        // Three samples and a tiny fraction leave val.bin empty: refused rather than written empty.
        #expect(throws: ShardError.self) { try NanoGPTExporter.export(reader: reader, directory: d.path, out: d.path + "/o", valFraction: 0.0001) }
        #expect(throws: ShardError.self) { try ShardExporter.export(directory: d.path, format: .jsonl, out: d.path + "/x", valFraction: 0.1) }
    }

    @Test(.enabled(if: pythonHas("numpy"), "needs Python with numpy (pip install numpy)"))
    func nanoGPTReadAsTrainPyDoes() throws {
        let d = TmpDir()
        let samples = sampleSet(100)
        try writeDataset(d.path, samples)
        let out = d.path + "/ngpt"
        let r = try NanoGPTExporter.export(reader: try ShardReader(directory: d.path), directory: d.path, out: out, valFraction: 0.2)
        // nanoGPT's train.py: pickle.load(meta.pkl)['vocab_size'], np.memmap(train.bin / val.bin, dtype=np.uint16).
        let script = """
            import numpy as np, pickle, sys
            p = sys.argv[1]
            meta = pickle.load(open(p + '/meta.pkl', 'rb'))
            t = np.memmap(p + '/train.bin', dtype=np.uint16, mode='r')
            v = np.memmap(p + '/val.bin', dtype=np.uint16, mode='r')
            print(meta['vocab_size'], len(t), len(v), int(t.max()), sorted(meta))
            """
        let got = try runPython(script, [out]).trimmingCharacters(in: .whitespacesAndNewlines)
        let maxTrain = samples.filter { NanoGPTExporter.splitKey($0.id) >= UInt64(0.2 * 18_446_744_073_709_551_616.0) }.flatMap(\.tokens).max()!
        #expect(got == "1000 \(r.trainTokens) \(r.valTokens) \(maxTrain) ['vocab_size']")
    }
}
