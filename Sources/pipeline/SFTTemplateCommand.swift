import ArgumentParser
import DomainForgeCore
import Foundation
import SFT

/// How special-token text written inside a message's content is encoded.
enum ContentSpecialTokens: String, ExpressibleByArgument, CaseIterable {
    /// As plain text (default): `<|im_end|>` in a message cannot end the turn.
    case text
    /// As the special token, as Hugging Face's `apply_chat_template` followed by tokenization does.
    case special
}

/// The content options shared by `sft validate`, `sft render` and `sft template`.
struct ChatContentOptions: ParsableArguments {
    @Flag(name: .customLong("trim-content"), help: "Strip whitespace around each message's content (as Meta's Llama 3 template does).")
    var trimContent = false

    @Option(name: .customLong("content-special-tokens"),
            help: "Special-token text inside content: text (default, kept as plain text) or special (encoded as the token, as HF does).")
    var contentSpecialTokens: ContentSpecialTokens = .text
}

struct SFTTemplateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "Print a chat template (chatml, llama3 or a template YAML) as a Hugging Face jinja chat template.",
        discussion: "The jinja renders the text `sft render` renders, with {% generation %} blocks around the trained spans (for apply_chat_template's return_assistant_tokens_mask). --json prints it as a JSON string, ready for tokenizer_config.json's chat_template.")

    @Option(help: "Chat template: chatml, llama3, or a template YAML file.")
    var template: String = "chatml"

    @Flag(name: .customLong("trim-content"), help: "Trim each message's content (`| trim`, as Meta's Llama 3 template does).")
    var trimContent = false

    @Flag(help: "Print the template as a JSON string.")
    var json = false

    @Option(name: .shortAndLong, help: "Write the template to this file instead of stdout.")
    var output: String?

    func run() throws {
        let t = try orExit { try ChatTemplate.named(template) }
        let j = t.jinja(trimContent: trimContent)
        let text = json ? JSONValue.string(j).serialized() + "\n" : j
        guard let output else { print(text, terminator: ""); return }
        try orExit {
            let f = try AtomicOutputFile(path: output)
            try f.write(Array(text.utf8))
            try f.commit()
        }
        print("wrote the \(t.name) chat template to \(output)")
    }
}
