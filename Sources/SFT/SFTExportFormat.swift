/// The trainers `pipeline sft export` writes for, and what each of them can express.
public enum SFTExportFormat: String, Sendable, CaseIterable {
    /// LLaMA-Factory: `data.jsonl` (OpenAI-style `messages`) and `dataset_info.json` (`formatting: sharegpt`).
    case llamafactory
    /// axolotl: `data.jsonl` with per-turn `weight`, and `axolotl.yaml` (`type: chat_template`,
    /// `message_field_training: weight`, `eot_tokens`).
    case axolotl
    /// torchtune: `data.jsonl` and `torchtune.yaml` (a `chat_dataset` builder, `conversation_style: openai`).
    case torchtune
    /// TRL / Hugging Face Trainer: pre-tokenized `input_ids`, `labels` (-100 where the loss mask is 0) and
    /// `assistant_masks` (TRL's collator masks the labels with it), as JSON Lines.
    case trl
    /// llm-foundry: records holding `messages` only (it rejects other keys), and `llmfoundry.yaml`.
    case llmFoundry = "llm-foundry"

    /// trl writes token ids, so it needs a tokenizer and a chat template.
    public var needsTokens: Bool { self == .trl }

    /// Whether the target leaves a `weight: 0` assistant turn untrained (LLaMA-Factory, torchtune and llm-foundry
    /// train every assistant turn).
    public var honoursWeightZero: Bool { self == .axolotl || self == .trl }

    /// Whether the target can train the last assistant turn only (LLaMA-Factory's `mask_history: true`,
    /// llm-foundry's `target_responses: last`), which `splitTurns` uses to keep weight-0 turns untrained.
    public var canSplitTurns: Bool { self == .llamafactory || self == .llmFoundry }

    /// Whether `--tokenized` applies: the trainer can load our ids and labels as they are (LLaMA-Factory's
    /// `tokenized_path`, llm-foundry's pre-tokenized MDS); trl always writes them.
    public var canTokenize: Bool { self == .llamafactory || self == .llmFoundry }

    /// The folder of the tokenized LLaMA-Factory export (a `datasets` `save_to_disk` folder).
    public static let tokenizedFolder = "tokenized"
    /// The folder of the tokenized llm-foundry export (MDS with a `turns` column).
    public static let mdsFolder = "mds"

    /// The files written besides `data.jsonl`.
    public var configFiles: [String] {
        switch self {
        case .llamafactory: ["dataset_info.json", "llamafactory.yaml"]
        case .axolotl: ["axolotl.yaml"]
        case .torchtune: ["torchtune.yaml"]
        case .llmFoundry: ["llmfoundry.yaml"]
        case .trl: []
        }
    }
}
