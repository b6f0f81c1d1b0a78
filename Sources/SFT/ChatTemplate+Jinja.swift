/// The template as a Hugging Face chat template (jinja), for `tokenizer_config.json`'s `chat_template` and any tool
/// that renders with `apply_chat_template` (transformers, llama.cpp, vLLM).
///
/// The jinja renders the same text as ``SFTRenderer``: `bos`, then per message `prefix + content + suffix +
/// separator`, then `eos` (omitted when `add_generation_prompt` is true, which appends the assistant prefix
/// instead). Every literal is a quoted string, so no jinja whitespace rule can change it. Trained spans are wrapped
/// in `{% generation %}` blocks: the assistant content and suffix of turns whose `weight` is not 0, and `eos` after
/// a trained last turn, so `apply_chat_template(..., return_assistant_tokens_mask=True)` gives our default loss
/// mask (not `train_on_prompt`).
///
/// Two things differ from rendering with a tokenizer, by design: HF tokenizes the rendered string in one piece, so
/// special-token text inside content (`<|im_end|>`) becomes the special token there, while ``SFTRenderer`` keeps it
/// plain text unless `specialTokensInContent` is set; and with `trimContent` the content is trimmed (`| trim`, as
/// Meta's Llama 3 template does).
extension ChatTemplate {
    /// The jinja source; `trimContent` writes `message['content'] | trim` (Python `str.strip`).
    public func jinja(trimContent: Bool = false) -> String {
        var j = "{%- set ns = namespace(last_trained=false) -%}\n"
        if let b = bos { j += "{{- \(Self.literal(b)) -}}\n" }
        j += "{%- for message in messages -%}\n"
        j += "{%- set trained = message['role'] == 'assistant' and not (message['weight'] is defined and message['weight'] == 0) -%}\n"
        let content = trimContent ? "{{- message['content'] | trim -}}" : "{{- message['content'] -}}"
        var first = true
        for role in roles.keys.sorted() {
            guard let f = roles[role] else { continue }
            let name = roleNames[role] ?? role
            let pre = f.prefix.replacingAll("{role}", with: name), suf = f.suffix.replacingAll("{role}", with: name)
            j += (first ? "{%- if" : "{%- elif") + " message['role'] == \(Self.literal(role)) -%}\n"
            first = false
            j += "{{- \(Self.literal(pre)) -}}\n"
            let body = content + "{{- \(Self.literal(suf)) -}}"
            if role == "assistant" {
                j += "{%- if trained -%}{%- generation -%}" + body + "{%- endgeneration -%}{%- else -%}" + body + "{%- endif -%}\n"
            } else {
                j += body + "\n"
            }
        }
        j += "{%- else -%}{{- raise_exception('template \(Self.escaped(name)) has no format for role ' + message['role']) -}}\n"
        j += "{%- endif -%}\n"
        if !separator.isEmpty { j += "{{- \(Self.literal(separator)) -}}\n" }
        j += "{%- set ns.last_trained = trained -%}\n"
        j += "{%- endfor -%}\n"
        j += "{%- if add_generation_prompt -%}\n"
        if let a = roles["assistant"] {
            j += "{{- \(Self.literal(a.prefix.replacingAll("{role}", with: roleNames["assistant"] ?? "assistant"))) -}}\n"
        }
        if let e = eos {
            j += "{%- elif ns.last_trained -%}{%- generation -%}{{- \(Self.literal(e)) -}}{%- endgeneration -%}\n"
            j += "{%- else -%}{{- \(Self.literal(e)) -}}\n"
        }
        j += "{%- endif -%}\n"
        return j
    }

    /// A jinja string literal for `s`: single-quoted, with backslash, quote and control characters escaped.
    static func literal(_ s: String) -> String { "'" + escaped(s) + "'" }

    static func escaped(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    out += "\\x" + (u.value < 0x10 ? "0" : "") + String(u.value, radix: 16)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    /// `s` without leading and trailing whitespace as Python's `str.strip()` (jinja's `trim`) defines it.
    public static func pythonStrip(_ s: String) -> String {
        let scalars = Array(s.unicodeScalars)
        var a = 0, b = scalars.count
        while a < b, isPythonSpace(scalars[a]) { a += 1 }
        while b > a, isPythonSpace(scalars[b - 1]) { b -= 1 }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[a..<b])
        return String(out)
    }

    static func isPythonSpace(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
}
