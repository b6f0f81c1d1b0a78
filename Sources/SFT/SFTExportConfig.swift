import DomainForgeCore

/// The configuration files `SFTExporter` writes next to `data.jsonl`: each points the trainer at the records and
/// sets the options that make its loss mask match ours (as far as the trainer can).
public enum SFTExportConfig {
    /// The text of `file` (one of `format.configFiles`). `dataPath` is the absolute path of `data.jsonl`,
    /// `trainedWeightZero` the weight-0 turns the target will train anyway (named in a comment).
    public static func text(_ file: String, format: SFTExportFormat, options: SFTExportOptions, dataPath: String,
                            folder: String, trainedWeightZero: Int) -> String {
        let warning = trainedWeightZero > 0
            ? "# WARNING: \(format.rawValue) trains every assistant turn: \(trainedWeightZero) turn(s) with weight 0 in data.jsonl will be trained\(format.canSplitTurns ? " (export with --split-turns to keep them untrained)" : "").\n"
            : ""
        let head = "# Written by `pipeline sft export --format \(format.rawValue)\(options.tokenized ? " --tokenized" : "")`.\n" + warning
        switch file {
        case "dataset_info.json": return datasetInfo(options)
        case "llamafactory.yaml":
            if options.tokenized { return head + llamaFactoryTokenized(options, folder: folder) }
            return head + "# LLaMA-Factory data arguments: merge into the training YAML.\n"
                + "dataset: \(quoted(options.datasetName))\ndataset_dir: \(quoted(folder))\n"
                + (options.splitTurns ? "# Each record ends with the one assistant turn it trains: train the last turn only.\nmask_history: true\n" : "")
        case "axolotl.yaml": return head + axolotl(options, dataPath: dataPath)
        case "torchtune.yaml":
            return head + """
                # torchtune dataset builder: use as the `dataset:` of a recipe config.
                dataset:
                  _component_: torchtune.datasets.chat_dataset
                  source: json
                  data_files: \(quoted(dataPath))
                  split: train
                  conversation_column: messages
                  conversation_style: openai
                  train_on_input: false
                  packed: false

                """
        case "llmfoundry.yaml":
            if options.tokenized { return head + llmFoundryTokenized(options, folder: folder) }
            return head + """
                # llm-foundry finetuning loader: merge into the training YAML (set max_seq_len).
                train_loader:
                  name: finetuning
                  dataset:
                    hf_name: json
                    hf_kwargs:
                      data_files: \(quoted(dataPath))
                    split: train
                    decoder_only_format: true
                    target_prompts: none
                    target_responses: \(options.splitTurns ? "last" : "all")

                """
        default: return ""
        }
    }

    /// LLaMA-Factory on our ids and labels (`tokenized_path`); the text form stays described for re-tokenizing.
    static func llamaFactoryTokenized(_ options: SFTExportOptions, folder: String) -> String {
        """
        # LLaMA-Factory data arguments: merge into the training YAML. tokenized_path is a `datasets` folder holding
        # our token ids and labels (input_ids, attention_mask, labels with -100 on untrained tokens, weight-0 turns
        # included): LLaMA-Factory loads it as it is and skips its own template for the data, so it trains exactly
        # the tokens we do and adds nothing (no eos). Remove tokenized_path to re-tokenize data.jsonl with
        # LLaMA-Factory's template instead (it then trains every assistant turn and the newline after <|im_end|>).
        tokenized_path: \(quoted(folder + "/" + SFTExportFormat.tokenizedFolder))
        dataset: \(quoted(options.datasetName))
        dataset_dir: \(quoted(folder))

        """
    }

    /// llm-foundry on our ids and labels: the MDS `turns` folder, read by `StreamingFinetuningDataset`.
    static func llmFoundryTokenized(_ options: SFTExportOptions, folder: String) -> String {
        let eos = options.eos.map { "\(quoted($0.token)) (id \($0.id))" } ?? "?"
        return """
            # llm-foundry finetuning loader on our token ids: merge into the training YAML (set max_seq_len).
            # mds/ holds one `turns` list per sample: untrained runs as input_ids, trained runs as labels. The eos
            # is added on our side: every sample is our render followed by the eos \(eos) as its last trained
            # token, so llm-foundry's collator (which appends the tokenizer's eos to a sample not ending with it) adds
            # nothing. The tokenizer's eos must therefore be \(eos) (set below). data.jsonl keeps the text form.
            tokenizer:
              kwargs:
                eos_token: \(quoted(options.eos?.token ?? ""))
            train_loader:
              name: finetuning
              dataset:
                local: \(quoted(folder + "/" + SFTExportFormat.mdsFolder))
                decoder_only_format: true
                target_prompts: none
                target_responses: all

            """
    }

    /// LLaMA-Factory's dataset description: the `sharegpt` formatting with OpenAI-style role and content tags.
    static func datasetInfo(_ options: SFTExportOptions) -> String {
        let tags: [String: String] = [
            "role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant",
            "system_tag": "system", "observation_tag": "tool",
        ]
        let entry: JSONValue = .object([
            "file_name": .string("data.jsonl"), "formatting": .string("sharegpt"),
            "columns": .object(["messages": .string("messages")]), "tags": .object(tags.mapValues { .string($0) }),
        ])
        var out = [UInt8]()
        JSONWriter.write(.object([options.datasetName: entry]), into: &out)
        return String(decoding: out, as: UTF8.self) + "\n"
    }

    static func axolotl(_ options: SFTExportOptions, dataPath: String) -> String {
        let t = options.template
        let builtin = ["chatml": "chatml", "llama3": "llama3"][t.name]
        let suffix = t.roles["assistant"]?.suffix ?? ""
        let eot = t.specialTokens.filter { !$0.isEmpty && suffix.contains($0) }
        var s = "# axolotl settings: merge into the training YAML.\n"
        if let b = builtin {
            s += "chat_template: \(b)\n"
        } else {
            s += "# Template \(t.name) is not built into axolotl: the tokenizer's own chat_template (jinja) must render it.\nchat_template: tokenizer_default\n"
        }
        if !eot.isEmpty { s += "eot_tokens:\n" + eot.map { "  - \(quoted($0))\n" }.joined() }
        s += """
            datasets:
              - path: \(quoted(dataPath))
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

            """
        return s
    }

    /// A YAML double-quoted scalar (JSON string syntax, which YAML accepts).
    static func quoted(_ s: String) -> String {
        var out = [UInt8]()
        JSONWriter.writeString(s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
