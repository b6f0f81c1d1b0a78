import DomainForgeCore
import Foundation
import Testing
import Tokenization
@testable import SFT

/// A conversation with a weight-0 assistant turn, a trained one and a trailing user message.
let exportConv = SFTRecord(id: "x1", source: "s", messages: [
    SFTMessage(role: "system", content: "S"), SFTMessage(role: "user", content: "Q1"),
    SFTMessage(role: "assistant", content: "A1", weight: 0), SFTMessage(role: "user", content: "Q2"),
    SFTMessage(role: "assistant", content: "A2"), SFTMessage(role: "user", content: "bye"),
], meta: ["format": .string("messages")])

/// Exports `records` and returns the folder (absolute) and the summary.
func exportFolder(_ format: SFTExportFormat, _ records: [SFTRecord], options: SFTExportOptions = .init(),
                  renderer: SFTRenderer? = nil) throws -> (String, SFTExportSummary) {
    let dir = Fix.tempDir("export-\(format.rawValue)") + "/out"
    let x = try SFTExporter(directory: dir, format: format, options: options)
    for r in records { try x.add(r, rendered: try renderer?.render(r)) }
    return (dir, try x.finish())
}

func text(_ path: String) -> String { String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }

@Suite struct SFTExportTests {
    @Test func axolotlKeepsWeightsAndWritesTheDatasetBlock() throws {
        let (dir, s) = try exportFolder(.axolotl, [exportConv])
        #expect(text(dir + "/data.jsonl") == """
            {"messages":[{"content":"S","role":"system"},{"content":"Q1","role":"user"},{"content":"A1","role":"assistant","weight":0},{"content":"Q2","role":"user"},{"content":"A2","role":"assistant"},{"content":"bye","role":"user"}]}

            """)
        #expect(text(dir + "/axolotl.yaml") == """
            # Written by `pipeline sft export --format axolotl`.
            # axolotl settings: merge into the training YAML.
            chat_template: chatml
            eot_tokens:
              - "<|im_end|>"
            datasets:
              - path: "\(dir)/data.jsonl"
                ds_type: json
                type: chat_template
                field_messages: messages
                message_property_mappings:
                  role: role
                  content: content
                message_field_training: weight
                roles_to_train:
                  - assistant
                train_on_eos: turn
                train_on_eot: turn

            """)
        #expect(s == SFTExportSummary(records: 1, written: 1, weightZeroTurns: 1, weightZeroTrained: 0))
    }

    @Test func llamaFactoryDatasetInfoAndWeightZeroCount() throws {
        let (dir, s) = try exportFolder(.llamafactory, [exportConv])
        #expect(text(dir + "/dataset_info.json") == """
            {"domainforge_sft":{"columns":{"messages":"messages"},"file_name":"data.jsonl","formatting":"sharegpt","tags":{"assistant_tag":"assistant","content_tag":"content","observation_tag":"tool","role_tag":"role","system_tag":"system","user_tag":"user"}}}

            """)
        // The trailing user message goes (LLaMA-Factory needs the conversation to end with an assistant turn); weights go.
        #expect(text(dir + "/data.jsonl") == """
            {"messages":[{"content":"S","role":"system"},{"content":"Q1","role":"user"},{"content":"A1","role":"assistant"},{"content":"Q2","role":"user"},{"content":"A2","role":"assistant"}]}

            """)
        #expect(s == SFTExportSummary(records: 1, written: 1, weightZeroTurns: 1, weightZeroTrained: 1, droppedTrailingMessages: 1))
        #expect(text(dir + "/llamafactory.yaml").contains("# WARNING: llamafactory trains every assistant turn: 1 turn(s) with weight 0"))
        #expect(text(dir + "/llamafactory.yaml").hasSuffix("dataset: \"domainforge_sft\"\ndataset_dir: \"\(dir)\"\n"))
    }

    @Test func splitTurnsWritesOneRecordPerTrainedTurn() throws {
        var o = SFTExportOptions()
        o.splitTurns = true
        let two = SFTRecord(id: "x2", source: "s", messages: [
            SFTMessage(role: "user", content: "a"), SFTMessage(role: "assistant", content: "b"),
            SFTMessage(role: "user", content: "c"), SFTMessage(role: "assistant", content: "d"),
        ])
        let none = SFTRecord(id: "x3", source: "s", messages: [SFTMessage(role: "user", content: "a"), SFTMessage(role: "assistant", content: "b", weight: 0)])
        let (dir, s) = try exportFolder(.llamafactory, [exportConv, two, none], options: o)
        let lines = text(dir + "/data.jsonl").split(separator: "\n")
        #expect(lines == [
            #"{"messages":[{"content":"S","role":"system"},{"content":"Q1","role":"user"},{"content":"A1","role":"assistant"},{"content":"Q2","role":"user"},{"content":"A2","role":"assistant"}]}"#,
            #"{"messages":[{"content":"a","role":"user"},{"content":"b","role":"assistant"}]}"#,
            #"{"messages":[{"content":"a","role":"user"},{"content":"b","role":"assistant"},{"content":"c","role":"user"},{"content":"d","role":"assistant"}]}"#,
        ])
        #expect(s.weightZeroTrained == 0 && s.weightZeroTurns == 2 && s.recordsWithoutTrainedTurn == 1 && s.written == 3)
        #expect(text(dir + "/llamafactory.yaml").hasSuffix("mask_history: true\n"))
        let (fdir, _) = try exportFolder(.llmFoundry, [two], options: o)
        #expect(text(fdir + "/llmfoundry.yaml").contains("    target_responses: last\n"))
    }

    @Test func torchtuneBuilderConfig() throws {
        let (dir, s) = try exportFolder(.torchtune, [exportConv])
        #expect(text(dir + "/torchtune.yaml") == """
            # Written by `pipeline sft export --format torchtune`.
            # WARNING: torchtune trains every assistant turn: 1 turn(s) with weight 0 in data.jsonl will be trained.
            # torchtune dataset builder: use as the `dataset:` of a recipe config.
            dataset:
              _component_: torchtune.datasets.chat_dataset
              source: json
              data_files: "\(dir)/data.jsonl"
              split: train
              conversation_column: messages
              conversation_style: openai
              train_on_input: false
              packed: false

            """)
        #expect(s.weightZeroTrained == 1 && s.droppedTrailingMessages == 0)
        #expect(text(dir + "/data.jsonl").hasSuffix(#"{"content":"bye","role":"user"}]}"# + "\n"))
    }

    @Test func llmFoundryRecordsHoldMessagesOnly() throws {
        let (dir, _) = try exportFolder(.llmFoundry, [exportConv])
        let line = try JSONParser.parse(String(text(dir + "/data.jsonl").dropLast()))
        #expect(line.objectValue.map { Array($0.keys) } == ["messages"])
        for m in line["messages"]?.arrayValue ?? [] { #expect(m.objectValue.map { Set($0.keys) } == ["role", "content"]) }
        #expect(line["messages"]?.arrayValue?.count == 5)
        #expect(text(dir + "/llmfoundry.yaml").contains("    target_responses: all\n"))
    }

    @Test func trlLabelsAreIdsWithMinus100WhereMasked() throws {
        let renderer = try SFTRenderer(template: .chatml, tokenizer: Fix.byteTokenizer)
        let rec = SFTRecord(id: "t", source: "s", messages: [SFTMessage(role: "user", content: "Hi"), SFTMessage(role: "assistant", content: "Yo")])
        let (dir, _) = try exportFolder(.trl, [rec], renderer: renderer)
        let r = try renderer.render(rec)
        let ids = r.tokens.map(String.init).joined(separator: ",")
        let labels = zip(r.tokens, r.lossMask).map { $1 == 0 ? "-100" : String($0) }.joined(separator: ",")
        let masks = r.lossMask.map(String.init).joined(separator: ",")
        #expect(text(dir + "/data.jsonl") == "{\"assistant_masks\":[\(masks)],\"input_ids\":[\(ids)],\"labels\":[\(labels)]}\n")
        #expect(labels.hasSuffix("89,111,258,-100"))  // "Yo" and <|im_end|> trained, the newline not
        #expect(FileManager.default.fileExists(atPath: dir + "/data.jsonl"))
    }

    @Test func badUsesAreRefused() throws {
        var o = SFTExportOptions()
        o.splitTurns = true
        for f in [SFTExportFormat.axolotl, .torchtune, .trl] {
            #expect(throws: SFTExportError.self) { try SFTExporter(directory: Fix.tempDir("bad") + "/o", format: f, options: o) }
        }
        let x = try SFTExporter(directory: Fix.tempDir("bad") + "/o", format: .trl)
        #expect(throws: SFTExportError.self) { try x.add(exportConv) }
    }
}
