import DomainForgeCore
import Foundation
import PipelineConfig
import Tokenization

/// Errors in templates and rendering. Each message says what to change.
public struct SFTTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A chat template as plain strings: every message renders as `prefix + content + suffix + separator`, the whole
/// conversation is wrapped in `bos` ... `eos`. `{role}` in a prefix or suffix is replaced by the role's name.
///
/// Loss mask (default): the assistant content and its suffix (the end-of-turn token) are trained; prefixes,
/// separators, `bos` and every non-assistant message are masked. `eos` is trained when the last message is a
/// trained assistant turn.
public struct ChatTemplate: Sendable, Equatable {
    public struct RoleFormat: Sendable, Equatable {
        public var prefix: String
        public var suffix: String
        public init(prefix: String, suffix: String) { self.prefix = prefix; self.suffix = suffix }
    }

    public var name: String
    public var bos: String?
    public var eos: String?
    /// Text after each message's suffix, never trained (ChatML's newline).
    public var separator: String
    /// Formats by canonical role (`system`, `user`, `assistant`, `tool`).
    public var roles: [String: RoleFormat]
    /// The name written for `{role}` when it differs from the canonical role (Llama-3 writes `ipython` for tools).
    public var roleNames: [String: String]
    /// Strings that must each encode to exactly one token id.
    public var specialTokens: [String]

    public init(name: String, bos: String? = nil, eos: String? = nil, separator: String = "", roles: [String: RoleFormat],
                roleNames: [String: String] = [:], specialTokens: [String]) {
        self.name = name; self.bos = bos; self.eos = eos; self.separator = separator; self.roles = roles
        self.roleNames = roleNames; self.specialTokens = specialTokens
    }

    /// ChatML: `<|im_start|>{role}\n{content}<|im_end|>\n`.
    public static let chatml: ChatTemplate = {
        let f = RoleFormat(prefix: "<|im_start|>{role}\n", suffix: "<|im_end|>")
        return ChatTemplate(name: "chatml", separator: "\n", roles: ["system": f, "user": f, "assistant": f, "tool": f],
                            specialTokens: ["<|im_start|>", "<|im_end|>"])
    }()

    /// Llama 3: `<|begin_of_text|>` then `<|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>` per message.
    public static let llama3: ChatTemplate = {
        let f = RoleFormat(prefix: "<|start_header_id|>{role}<|end_header_id|>\n\n", suffix: "<|eot_id|>")
        return ChatTemplate(name: "llama3", bos: "<|begin_of_text|>", roles: ["system": f, "user": f, "assistant": f, "tool": f],
                            roleNames: ["tool": "ipython"],
                            specialTokens: ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"])
    }()

    public static let builtins: [String: ChatTemplate] = ["chatml": chatml, "llama3": llama3, "llama-3": llama3]

    /// A built-in template by name (`chatml`, `llama3`), or a YAML file.
    public static func named(_ nameOrPath: String) throws -> ChatTemplate {
        if let t = builtins[nameOrPath.lowercased()] { return t }
        guard FileManager.default.fileExists(atPath: nameOrPath) else {
            throw SFTTemplateError("unknown chat template \"\(nameOrPath)\": use chatml, llama3 or a template YAML file")
        }
        guard let text = try? String(contentsOfFile: nameOrPath, encoding: .utf8) else { throw SFTTemplateError("cannot read \(nameOrPath)") }
        return try fromYAML(text, file: nameOrPath)
    }

    /// Parses a custom template:
    /// ```yaml
    /// name: mistral-inst
    /// bos: "<s>"
    /// eos: "</s>"
    /// separator: ""
    /// special_tokens: ["<s>", "</s>"]
    /// roles:
    ///   user: {prefix: "[INST] ", suffix: " [/INST]"}
    ///   assistant: {prefix: "", suffix: ""}
    /// role_names: {tool: ipython}
    /// ```
    ///
    /// The file goes through `schemas/sft-template.schema.json` (every problem with its key path).
    public static func fromYAML(_ text: String, file: String = "template") throws -> ChatTemplate {
        let tree: JSONValue
        do {
            tree = try YAMLLoader.load(text, file: file)
            try ConfigFile.validate(tree, as: .sftTemplate)
        } catch let e as ConfigErrors {
            throw SFTTemplateError(e.errors.map { "\(file): \($0)" }.joined(separator: "\n"))
        } catch {
            throw SFTTemplateError("\(error)")
        }
        var roles = [String: RoleFormat]()
        for (role, format) in tree["roles"]!.objectValue! {
            roles[role] = RoleFormat(prefix: format["prefix"]?.stringValue ?? "", suffix: format["suffix"]?.stringValue ?? "")
        }
        var specials = tree["special_tokens"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let bos = tree["bos"]?.stringValue, eos = tree["eos"]?.stringValue
        for t in [bos, eos].compactMap({ $0 }) where !specials.contains(t) { specials.append(t) }
        return ChatTemplate(name: tree["name"]?.stringValue ?? "custom", bos: bos, eos: eos, separator: tree["separator"]?.stringValue ?? "",
                            roles: roles, roleNames: (tree["role_names"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
                            specialTokens: specials)
    }
}

/// Token ids and their loss mask (1 = trained).
public struct RenderedSFT: Sendable, Equatable {
    public var tokens: [UInt32]
    public var lossMask: [UInt8]
    public init(tokens: [UInt32], lossMask: [UInt8]) { self.tokens = tokens; self.lossMask = lossMask }
    public var trainedTokens: Int { lossMask.reduce(0) { $0 + Int($1) } }
}

/// Renders canonical records to token ids with a loss mask.
///
/// Template text is encoded with special tokens recognised; message content is encoded with special tokens
/// split (as ordinary text), so a record cannot inject `<|im_end|>`. Each piece is encoded on its own, like
/// LLaMA-Factory's prompt/response encoding.
public final class SFTRenderer: Sendable {
    public let template: ChatTemplate
    public let tokenizer: BPETokenizer
    /// Train on every token (prompts too); assistant turns with weight 0 stay masked.
    public let trainOnPrompt: Bool
    /// Trim each message's content as Python's `str.strip` (Meta's Llama 3 template does; off by default).
    public let trimContent: Bool
    /// Encode special-token text inside content as the special token, as HF's `apply_chat_template` does (off by
    /// default: `<|im_end|>` written in a message stays plain text, so a record cannot end a turn early).
    public let specialTokensInContent: Bool
    private let prefixIds: [String: [UInt32]]
    private let suffixIds: [String: [UInt32]]
    private let separatorIds: [UInt32]
    private let bosIds: [UInt32]
    private let eosIds: [UInt32]

    /// Checks that every special token of the template encodes to exactly one id with this tokenizer.
    public init(template: ChatTemplate, tokenizer: BPETokenizer, trainOnPrompt: Bool = false, trimContent: Bool = false,
                specialTokensInContent: Bool = false) throws {
        self.template = template
        self.tokenizer = tokenizer
        self.trainOnPrompt = trainOnPrompt
        self.trimContent = trimContent
        self.specialTokensInContent = specialTokensInContent
        for s in template.specialTokens {
            let ids = tokenizer.encode(s, addSpecialTokens: false, splitSpecialTokens: false)
            if ids.count != 1 {
                throw SFTTemplateError("special token \"\(s)\" of template \(template.name) encodes to \(ids.count) ids \(ids.prefix(8)) with this tokenizer, not exactly one: the tokenizer does not define it as a special token; use a tokenizer that has it or a template made for this tokenizer")
            }
        }
        func enc(_ s: String) -> [UInt32] { tokenizer.encode(s, addSpecialTokens: false, splitSpecialTokens: false) }
        var p = [String: [UInt32]](), s = [String: [UInt32]]()
        for (role, f) in template.roles {
            let name = template.roleNames[role] ?? role
            p[role] = enc(f.prefix.replacingAll("{role}", with: name))
            s[role] = enc(f.suffix.replacingAll("{role}", with: name))
        }
        prefixIds = p; suffixIds = s
        separatorIds = enc(template.separator)
        bosIds = template.bos.map(enc) ?? []
        eosIds = template.eos.map(enc) ?? []
    }

    public func render(_ r: SFTRecord) throws -> RenderedSFT {
        var toks = [UInt32](), mask = [UInt8]()
        let p: UInt8 = trainOnPrompt ? 1 : 0
        func add(_ ids: [UInt32], _ m: UInt8) { toks.append(contentsOf: ids); mask.append(contentsOf: repeatElement(m, count: ids.count)) }
        add(bosIds, p)
        var lastTrained = false
        for (i, m) in r.messages.enumerated() {
            guard let pre = prefixIds[m.role], let suf = suffixIds[m.role] else {
                throw SFTTemplateError("template \(template.name) has no format for role \"\(m.role)\" (message \(i))")
            }
            let weightZero = (m.weight ?? 1) == 0
            let trained: UInt8 = weightZero ? 0 : (m.role == "assistant" ? 1 : p)
            add(pre, weightZero ? 0 : p)
            let content = trimContent ? ChatTemplate.pythonStrip(m.content) : m.content
            add(tokenizer.encode(content, addSpecialTokens: false, splitSpecialTokens: !specialTokensInContent), trained)
            add(suf, trained)
            add(separatorIds, weightZero ? 0 : p)
            lastTrained = trained == 1 && m.role == "assistant"
        }
        add(eosIds, lastTrained ? 1 : p)
        return RenderedSFT(tokens: toks, lossMask: mask)
    }
}
