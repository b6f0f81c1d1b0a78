import DomainForgeCore
import Foundation
import Testing
import Tokenization
@testable import SFT

/// DOMAINFORGE_PYTHON when it can import `modules`; nil otherwise (the read-back tests skip).
func sftPython(importing modules: String) -> String? {
    guard let py = ProcessInfo.processInfo.environment["DOMAINFORGE_PYTHON"], !py.isEmpty else { return nil }
    return (try? runSFTPython(py, "import " + modules, [])) != nil ? py : nil
}

/// Runs `script` with `python` and returns its stdout; throws when it fails.
func runSFTPython(_ python: String, _ script: String, _ args: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = ["-c", script] + args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw SFTExportError("python exited with \(p.terminationStatus)") }
    return String(decoding: data, as: UTF8.self)
}

/// One user turn and one assistant turn: `<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nYo<|im_end|>\n`.
let shortConv = SFTRecord(id: "t", source: "s", messages: [SFTMessage(role: "user", content: "Hi"), SFTMessage(role: "assistant", content: "Yo")])

/// `shortConv`'s llm-foundry turns (eos 256): the untrained prompt, then "Yo<|im_end|>" trained; the untrained
/// newline, then the eos trained.
let turnsOfShortConv = #"[{"input_ids": [257, 117, 115, 101, 114, 10, 72, 105, 258, 10, 257, 97, 115, 115, 105, 115, 116, 97, 110, 116, 10], "labels": [89, 111, 258]}, {"input_ids": [10], "labels": [256]}]"#

/// Size and SHA-256 of the Arrow stream of `shortConv` and `exportConv` (chatml, byte tokenizer), as pyarrow and
/// `datasets.load_from_disk` read it (checked by `arrowStreamReadsBackWithPyarrowAcrossBatches` and
/// scripts/compat/check_sft_llamafactory.py).
let pinnedArrowBytes = 2216
let pinnedArrowSHA = "01c999c31bd7f894b8d091ffcb40139784d8d69cfc646854b7f0adcfa6e02755"

@Suite struct SFTTokenizedExportTests {
    let renderer = try! SFTRenderer(template: .chatml, tokenizer: Fix.byteTokenizer)

    func options(eos: Bool = true) -> SFTExportOptions {
        var o = SFTExportOptions()
        o.tokenized = true
        if eos { o.eos = ("<|endoftext|>", 256) }
        return o
    }

    /// Python's repr of a list of ints, as `print(list)` writes it.
    func py(_ xs: [Int64]) -> String { "[" + xs.map(String.init).joined(separator: ", ") + "]" }

    @Test func llamaFactoryTokenizedFolderAndConfig() throws {
        let (dir, s) = try exportFolder(.llamafactory, [shortConv, exportConv], options: options(), renderer: renderer)
        #expect(s.weightZeroTrained == 0 && s.weightZeroTurns == 1 && s.written == 2)
        #expect(text(dir + "/llamafactory.yaml").hasSuffix("""
            # LLaMA-Factory's template instead (it then trains every assistant turn and the newline after <|im_end|>).
            tokenized_path: "\(dir)/tokenized"
            dataset: "domainforge_sft"
            dataset_dir: "\(dir)"

            """))
        #expect(text(dir + "/llamafactory.yaml").hasPrefix("# Written by `pipeline sft export --format llamafactory --tokenized`.\n"))
        #expect(text(dir + "/tokenized/dataset_info.json") == "{\"citation\": \"\", \"description\": \"\", \"homepage\": \"\", \"license\": \"\"}\n")
        let arrow = try #require(FileManager.default.contents(atPath: dir + "/tokenized/data-00000-of-00001.arrow"))
        let fingerprint = String(Hashing.fnv1a64(Array(arrow)), radix: 16)
        #expect(text(dir + "/tokenized/state.json") == """
            {"_data_files": [{"filename": "data-00000-of-00001.arrow"}], "_fingerprint": "\(String(repeating: "0", count: 16 - fingerprint.count) + fingerprint)", \
            "_format_columns": null, "_format_kwargs": {}, "_format_type": null, "_output_all_columns": false, "_split": null}

            """)
        // Stream framing: schema message first, end-of-stream marker last; the layout is pinned by its digest.
        #expect(Array(arrow.prefix(4)) == [0xFF, 0xFF, 0xFF, 0xFF] && Array(arrow.suffix(8)) == [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
        #expect(arrow.count == pinnedArrowBytes && SHA256Hasher.hex(Array(arrow)) == pinnedArrowSHA, "\(arrow.count) bytes, sha256 \(SHA256Hasher.hex(Array(arrow)))")
        // The text form stays for re-tokenizing (trailing user message removed, as without --tokenized).
        #expect(text(dir + "/data.jsonl").hasPrefix("{\"messages\":[{\"content\":\"Hi\",\"role\":\"user\"},{\"content\":\"Yo\",\"role\":\"assistant\"}]}\n"))
    }

    @Test(.enabled(if: sftPython(importing: "pyarrow") != nil, "set DOMAINFORGE_PYTHON to a Python with pyarrow"))
    func arrowStreamReadsBackWithPyarrowAcrossBatches() throws {
        let dir = Fix.tempDir("arrow") + "/ds"
        let w = try HFTokenizedDatasetWriter(directory: dir, batchRows: 1)
        let records = [shortConv, exportConv, shortConv]
        for r in records { try w.add(try renderer.render(r)) }
        try w.finish()
        let script = """
            import sys, pyarrow as pa
            r = pa.ipc.open_stream(pa.memory_map(sys.argv[1]))
            t = r.read_all()
            print(t.schema.to_string(show_schema_metadata=False).replace("\\n", "|"))
            for name in ("input_ids", "attention_mask", "labels"):
                for row in t.column(name).to_pylist(): print(row)
            """
        let out = try runSFTPython(sftPython(importing: "pyarrow")!, script, [dir + "/" + HFTokenizedDatasetWriter.dataFile])
        var want = ["input_ids: list<item: int32>|  child 0, item: int32|attention_mask: list<item: int8>|  child 0, item: int8|labels: list<item: int64>|  child 0, item: int64"]
        let rendered = try records.map { try renderer.render($0) }
        want += rendered.map { py($0.tokens.map(Int64.init)) }
        want += rendered.map { py($0.tokens.map { _ in 1 }) }
        want += rendered.map { r in py(zip(r.tokens, r.lossMask).map { $1 == 0 ? -100 : Int64($0) }) }
        #expect(out == want.joined(separator: "\n") + "\n")
    }

    @Test func llmFoundryTurnsSplitTheRenderAndEndWithTheEos() throws {
        let r = try renderer.render(shortConv)
        let turns = LLMFoundryTurnsWriter.turns(r, eos: 256)
        #expect(String(decoding: LLMFoundryTurnsWriter.json(turns), as: UTF8.self) == turnsOfShortConv)
        // A render already ending with the trained eos gets none more; a weight-0 turn joins the untrained run.
        let ended = RenderedSFT(tokens: [1, 2, 256], lossMask: [0, 1, 1])
        #expect(LLMFoundryTurnsWriter.turns(ended, eos: 256).map(\.labels) == [[2, 256]])
        let z = try renderer.render(exportConv)
        let zt = LLMFoundryTurnsWriter.turns(z, eos: 256)
        #expect(zt.count == 2 && zt.flatMap { $0.input + $0.labels } == z.tokens + [256])
        #expect(zt.flatMap { Array(repeating: UInt8(0), count: $0.input.count) + Array(repeating: 1, count: $0.labels.count) } == z.lossMask + [1])
    }

    @Test func llmFoundryTokenizedFolderAndConfig() throws {
        let (dir, s) = try exportFolder(.llmFoundry, [shortConv, exportConv], options: options(), renderer: renderer)
        #expect(s.eosAfterUntrained == 1 && s.weightZeroTrained == 0)  // exportConv ends with a user message
        #expect(text(dir + "/llmfoundry.yaml").hasSuffix("""
            tokenizer:
              kwargs:
                eos_token: "<|endoftext|>"
            train_loader:
              name: finetuning
              dataset:
                local: "\(dir)/mds"
                decoder_only_format: true
                target_prompts: none
                target_responses: all

            """))
        let shard = try #require(FileManager.default.contents(atPath: dir + "/mds/shard.00000.mds")).map { $0 }
        let config = "{\"column_encodings\": [\"json\"], \"column_names\": [\"turns\"], \"column_sizes\": [null], \"compression\": null, \"format\": \"mds\", \"hashes\": [\"sha256\"], \"size_limit\": 67108864, \"version\": 2}"
        let first = Array(LLMFoundryTurnsWriter.json(LLMFoundryTurnsWriter.turns(try renderer.render(shortConv), eos: 256)))
        let start = 4 + 12 + config.utf8.count
        #expect(Array(shard[0..<8]) == [2, 0, 0, 0, UInt8(start), UInt8(start >> 8), 0, 0])
        #expect(Array(shard[16..<start]) == Array(config.utf8))
        #expect(Array(shard[start..<start + 4]) == [UInt8(first.count), 0, 0, 0] && Array(shard[start + 4..<start + 4 + first.count]) == first)
        #expect(text(dir + "/mds/index.json") == """
            {"shards":[{"column_encodings":["json"],"column_names":["turns"],"column_sizes":[null],"compression":null,"format":"mds","hashes":["sha256"],"raw_data":{"basename":"shard.00000.mds","bytes":\(shard.count),"hashes":{"sha256":"\(SHA256Hasher.hex(shard))"}},"samples":2,"size_limit":67108864,"version":2,"zip_data":null}],"version":2}
            """)
    }

    @Test(.enabled(if: sftPython(importing: "streaming") != nil, "set DOMAINFORGE_PYTHON to a Python with mosaicml-streaming"))
    func mdsTurnsReadBackWithStreaming() throws {
        let (dir, _) = try exportFolder(.llmFoundry, [shortConv, exportConv], options: options(), renderer: renderer)
        let script = """
            import json, sys
            from streaming import StreamingDataset
            ds = StreamingDataset(local=sys.argv[1], shuffle=False, batch_size=1)
            for i in range(len(ds)): print(json.dumps(ds[i]["turns"]))
            """
        let out = try runSFTPython(sftPython(importing: "streaming")!, script, [dir + "/mds"])
        let want = try [shortConv, exportConv].map { String(decoding: LLMFoundryTurnsWriter.json(LLMFoundryTurnsWriter.turns(try renderer.render($0), eos: 256)), as: UTF8.self) }
        #expect(out == want.joined(separator: "\n") + "\n")
    }

    @Test func tokenizedMisusesAreRefused() throws {
        for f in [SFTExportFormat.axolotl, .torchtune, .trl] {
            #expect(throws: SFTExportError.self) { try SFTExporter(directory: Fix.tempDir("tok") + "/o", format: f, options: options()) }
        }
        var split = options()
        split.splitTurns = true
        #expect(throws: SFTExportError.self) { try SFTExporter(directory: Fix.tempDir("tok") + "/o", format: .llamafactory, options: split) }
        #expect(throws: SFTExportError.self) { try SFTExporter(directory: Fix.tempDir("tok") + "/o", format: .llmFoundry, options: options(eos: false)) }
        let x = try SFTExporter(directory: Fix.tempDir("tok") + "/o", format: .llamafactory, options: options())
        #expect(throws: SFTExportError.self) { try x.add(shortConv) }  // no rendering given
    }
}
