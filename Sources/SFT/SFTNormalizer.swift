import DomainForgeCore

/// Turns one parsed record of any supported form into the canonical `SFTRecord`, or into the issues that
/// prevent it (missing or wrong-typed fields, unknown roles).
public enum SFTNormalizer {
    public static let canonicalRoles: Set<String> = ["system", "user", "assistant", "tool"]
    /// ShareGPT `from` values and their canonical roles.
    public static let shareGPTRoles: [String: String] = [
        "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "chatgpt": "assistant",
        "bing": "assistant", "bard": "assistant", "system": "system",
        "function_call": "assistant", "observation": "tool", "tool": "tool", "function": "tool",
    ]

    /// The form of a record judged by its fields, or nil when it matches none.
    public static func detect(_ o: [String: JSONValue]) -> SFTFormat? {
        if o["messages"] != nil { return o["source"] != nil && o["id"] != nil ? .canonical : .messages }
        if o["conversations"] != nil { return .sharegpt }
        if o["instruction"] != nil || o["output"] != nil {
            if o["response"] != nil || o["context"] != nil { return .dolly }
            return .alpaca
        }
        if o["response"] != nil && (o["context"] != nil || o["category"] != nil) { return .dolly }
        return nil
    }

    struct Ctx {
        let file: String
        let line: Int
        let index: Int?
        var issues: [SFTIssue] = []
        mutating func add(_ code: SFTErrorCode, _ field: String, _ message: String) {
            issues.append(SFTIssue(code: code, file: file, line: line, index: index, field: field, message: message))
        }
    }

    /// Normalizes one parsed record. `fallbackID` is used when the record has no `id`.
    public static func normalize(_ value: JSONValue, format: SFTFormat, file: String, line: Int, index: Int?,
                                 fallbackID: String, source: String) -> (record: SFTRecord?, issues: [SFTIssue]) {
        var c = Ctx(file: file, line: line, index: index)
        guard case .object(let o) = value else {
            c.add(.wrongType, "", "a record must be a JSON object, found \(value.typeName)")
            return (nil, c.issues)
        }
        var fmt = format
        if fmt == .auto {
            guard let d = detect(o) else {
                let keys = o.keys.sorted().prefix(8).joined(separator: ", ")
                let hint = o["text"] != nil ? " (a pretraining {text} record, not SFT)" : ""
                c.add(.unknownFormat, "", "no alpaca (instruction/output), Dolly (instruction/response), ShareGPT (conversations) or messages field; keys: \(keys)\(hint)")
                return (nil, c.issues)
            }
            fmt = d
        }
        var id = fallbackID
        if let v = o["id"] { if let s = v.stringValue { id = s } else if let i = v.intValue { id = String(i) } }
        var meta = [String: JSONValue]()
        meta["format"] = .string(fmt.rawValue)
        var src = source
        var msgs: [SFTMessage]?
        switch fmt {
        case .alpaca, .dolly: msgs = alpaca(o, dolly: fmt == .dolly, &c, &meta)
        case .sharegpt: msgs = sharegpt(o, &c, &meta)
        case .messages, .canonical:
            msgs = messages(o, &c, &meta)
            if fmt == .canonical {
                if let s = o["source"]?.stringValue { src = s }
                if let m = o["meta"]?.objectValue { for (k, v) in m where k != "format" { meta[k] = v } }
            }
        case .auto: break
        }
        // Keep every field the form does not consume (MedQuAD's url/focus/qtype, Dolly's category, ...).
        let consumed: Set<String>
        switch fmt {
        case .alpaca: consumed = ["id", "instruction", "input", "output", "system", "history"]
        case .dolly: consumed = ["id", "instruction", "context", "input", "response", "system", "history"]
        case .sharegpt: consumed = ["id", "conversations", "system", "tools"]
        case .messages: consumed = ["id", "messages", "tools"]
        case .canonical, .auto: consumed = ["id", "source", "messages", "meta", "tools"]
        }
        for (k, v) in o where !consumed.contains(k) && meta[k] == nil { meta[k] = v }
        guard let m = msgs, c.issues.isEmpty else { return (nil, c.issues) }
        return (SFTRecord(id: id, source: src, messages: m, meta: meta), c.issues)
    }

    static func string(_ o: [String: JSONValue], _ key: String, required: Bool, _ c: inout Ctx, field: String? = nil) -> String? {
        guard let v = o[key], v != .null else {
            if required { c.add(.missingField, field ?? key, "required field \"\(key)\" is missing") }
            return nil
        }
        guard let s = v.stringValue else {
            c.add(.wrongType, field ?? key, "\"\(key)\" must be a string, found \(v.typeName)")
            return nil
        }
        return s
    }

    static func alpaca(_ o: [String: JSONValue], dolly: Bool, _ c: inout Ctx, _ meta: inout [String: JSONValue]) -> [SFTMessage]? {
        var out = [SFTMessage]()
        let instruction = string(o, "instruction", required: true, &c)
        let input = string(o, dolly ? "context" : "input", required: false, &c) ?? (dolly ? string(o, "input", required: false, &c) : nil)
        var output = string(o, dolly ? "response" : "output", required: false, &c)
        if output == nil && o[dolly ? "response" : "output"] == nil {
            // self-instruct seed tasks keep the output in instances[0].
            if let inst = o["instances"]?.arrayValue?.first?.objectValue, let so = inst["output"]?.stringValue {
                output = so
                meta["instances"] = .int(Int64(o["instances"]?.arrayValue?.count ?? 0))
                if let si = inst["input"]?.stringValue, !si.isEmpty, input == nil {
                    return finishAlpaca(o, instruction, si, so, &c, &out)
                }
            } else {
                c.add(.missingField, dolly ? "response" : "output", "required field \"\(dolly ? "response" : "output")\" is missing")
            }
        }
        return finishAlpaca(o, instruction, input, output, &c, &out)
    }

    private static func finishAlpaca(_ o: [String: JSONValue], _ instruction: String?, _ input: String?, _ output: String?, _ c: inout Ctx, _ out: inout [SFTMessage]) -> [SFTMessage]? {
        if let sys = string(o, "system", required: false, &c), !sys.isEmpty { out.append(SFTMessage(role: "system", content: sys)) }
        if let h = o["history"], h != .null {
            if let turns = h.arrayValue {
                for (i, t) in turns.enumerated() {
                    guard let pair = t.arrayValue, pair.count == 2, let q = pair[0].stringValue, let a = pair[1].stringValue else {
                        c.add(.wrongType, "history[\(i)]", "each history entry must be a [user, assistant] pair of strings")
                        continue
                    }
                    out.append(SFTMessage(role: "user", content: q))
                    out.append(SFTMessage(role: "assistant", content: a))
                }
            } else { c.add(.wrongType, "history", "\"history\" must be an array of [user, assistant] pairs, found \(h.typeName)") }
        }
        guard let ins = instruction, let outp = output else { return nil }
        var prompt = ins
        if let i = input, !i.isEmpty { prompt = ins.isEmpty ? i : ins + "\n" + i }
        out.append(SFTMessage(role: "user", content: prompt))
        out.append(SFTMessage(role: "assistant", content: outp))
        return out
    }

    static func sharegpt(_ o: [String: JSONValue], _ c: inout Ctx, _ meta: inout [String: JSONValue]) -> [SFTMessage]? {
        guard let conv = o["conversations"], conv != .null else { c.add(.missingField, "conversations", "required field \"conversations\" is missing"); return nil }
        guard let arr = conv.arrayValue else { c.add(.wrongType, "conversations", "\"conversations\" must be an array, found \(conv.typeName)"); return nil }
        var out = [SFTMessage]()
        if let sys = string(o, "system", required: false, &c), !sys.isEmpty { out.append(SFTMessage(role: "system", content: sys)) }
        if let t = o["tools"], t != .null { meta["tools"] = t }
        for (i, m) in arr.enumerated() {
            let f = "conversations[\(i)]"
            guard let mo = m.objectValue else { c.add(.wrongType, f, "a turn must be an object, found \(m.typeName)"); continue }
            guard let from = string(mo, "from", required: true, &c, field: f + ".from"),
                  let value = string(mo, "value", required: true, &c, field: f + ".value") else { continue }
            guard let role = shareGPTRoles[from] else {
                c.add(.unknownRole, f + ".from", "unknown ShareGPT role \"\(from)\" (expected human, gpt, system, function_call or observation)")
                continue
            }
            var msg = SFTMessage(role: role, content: value)
            if let w = mo["weight"]?.doubleValue ?? mo["loss_weight"]?.doubleValue { msg.weight = w }
            if from == "function_call" { meta["tool_calls"] = .bool(true) }
            out.append(msg)
        }
        if o["chosen"] != nil || o["rejected"] != nil { meta["preference"] = .bool(true) }
        return out
    }

    static func messages(_ o: [String: JSONValue], _ c: inout Ctx, _ meta: inout [String: JSONValue]) -> [SFTMessage]? {
        guard let mv = o["messages"], mv != .null else { c.add(.missingField, "messages", "required field \"messages\" is missing"); return nil }
        guard let arr = mv.arrayValue else { c.add(.wrongType, "messages", "\"messages\" must be an array, found \(mv.typeName)"); return nil }
        if let t = o["tools"], t != .null { meta["tools"] = t }
        var out = [SFTMessage]()
        for (i, m) in arr.enumerated() {
            let f = "messages[\(i)]"
            guard let mo = m.objectValue else { c.add(.wrongType, f, "a message must be an object, found \(m.typeName)"); continue }
            guard let role = string(mo, "role", required: true, &c, field: f + ".role") else { continue }
            var content: String?
            if let cv = mo["content"], cv != .null {
                if let s = cv.stringValue { content = s }
                else if let parts = cv.arrayValue {
                    // Content parts: [{type: "text", text|value: ...}].
                    var s = ""
                    var ok = true
                    for (j, p) in parts.enumerated() {
                        guard let po = p.objectValue, (po["type"]?.stringValue ?? "text") == "text",
                              let t = po["text"]?.stringValue ?? po["value"]?.stringValue else {
                            c.add(.wrongType, f + ".content[\(j)]", "only text content parts ({type: text, text}) are supported")
                            ok = false; break
                        }
                        s += t
                    }
                    if ok { content = s }
                    else { continue }
                } else { c.add(.wrongType, f + ".content", "\"content\" must be a string or a list of text parts, found \(cv.typeName)"); continue }
            } else if mo["tool_calls"] != nil || mo["function_call"] != nil {
                var b = [UInt8](); JSONWriter.write(mo["tool_calls"] ?? mo["function_call"]!, into: &b)
                content = String(decoding: b, as: UTF8.self)
                meta["tool_calls"] = .bool(true)
            } else { c.add(.missingField, f + ".content", "required field \"content\" is missing"); continue }
            guard canonicalRoles.contains(role) else {
                c.add(.unknownRole, f + ".role", "unknown role \"\(role)\" (expected system, user, assistant or tool)")
                continue
            }
            var msg = SFTMessage(role: role, content: content!)
            if let wv = mo["weight"] ?? mo["loss_weight"], wv != .null {
                guard let w = wv.doubleValue else { c.add(.wrongType, f + ".weight", "\"weight\" must be a number, found \(wv.typeName)"); continue }
                msg.weight = w
            }
            out.append(msg)
        }
        return out
    }
}
