import DomainForgeCore

// SFT: supervised fine-tuning records and replay mixes.
//
//   SFTFileReader      streams records from a JSON array, JSON Lines or a keyed object (.gz/.zst too)
//   SFTNormalizer      alpaca / Dolly / ShareGPT / OpenAI messages -> canonical SFTRecord {id, source, messages, meta}
//   SFTValidator       stable error codes (SFTErrorCode) with file:line [#index], field, message; duplicates;
//                      too_long after templating (OverLengthPolicy drop / truncate / error)
//   ChatTemplate       chatml, llama3, or YAML; SFTRenderer -> token ids + loss mask (assistant turns only by default)
//   SFTShardWriter     MDS shards with tokens + loss_mask, optional packing that never splits a record
//   MixSpec / Mixer    replay mixes by tokens or records, deterministic by seed, achieved ratios in mix_report.json
//
//   let v = SFTValidator(options: .init(), renderer: try SFTRenderer(template: .chatml, tokenizer: tok))
//   try v.validate(path: "train.jsonl") { record, rendered in ... }
//   print(v.summary.table())

/// One turn of a conversation in the canonical form.
public struct SFTMessage: Sendable, Equatable, Hashable {
    /// `system`, `user`, `assistant` or `tool`.
    public var role: String
    public var content: String
    /// Loss weight: 0 excludes an assistant turn from the loss, 1 (or nil) trains it.
    public var weight: Double?

    public init(role: String, content: String, weight: Double? = nil) {
        self.role = role; self.content = content; self.weight = weight
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["role": .string(role), "content": .string(content)]
        if let w = weight { o["weight"] = w == w.rounded() ? .int(Int64(w)) : .double(w) }
        return .object(o)
    }
}

/// The canonical SFT record every reader normalizes to: `{id, source, messages, meta}`.
public struct SFTRecord: Sendable, Equatable {
    public var id: String
    /// The input (file name or mix source name) the record came from.
    public var source: String
    public var messages: [SFTMessage]
    /// Everything else worth keeping (original format, tools, category, ...).
    public var meta: [String: JSONValue]

    public init(id: String, source: String, messages: [SFTMessage], meta: [String: JSONValue] = [:]) {
        self.id = id; self.source = source; self.messages = messages; self.meta = meta
    }

    public var json: JSONValue {
        .object(["id": .string(id), "source": .string(source), "messages": .array(messages.map(\.json)), "meta": .object(meta)])
    }

    /// One JSON line (with the trailing newline).
    public func jsonLine() -> [UInt8] {
        var out = [UInt8]()
        JSONWriter.write(json, into: &out)
        out.append(0x0A)
        return out
    }
}

/// The record forms the readers understand.
public enum SFTFormat: String, Sendable, CaseIterable {
    /// Decide per record from its fields.
    case auto
    /// `{instruction, input?, output, system?, history?}`.
    case alpaca
    /// `{instruction, context?, response, category?}`.
    case dolly
    /// `{conversations: [{from, value}], system?, tools?}`.
    case sharegpt
    /// `{messages: [{role, content, weight?}]}` (OpenAI chat fine-tuning JSONL).
    case messages
    /// The canonical form written by this module (same as `messages` plus `id`, `source`, `meta`).
    case canonical
}

/// Stable validation error codes. Their raw values appear in reports and JSON output; never rename one.
public enum SFTErrorCode: String, Sendable, CaseIterable, Comparable {
    case invalidJSON = "invalid_json"
    case unknownFormat = "unknown_format"
    case missingField = "missing_field"
    case wrongType = "wrong_type"
    case emptyOutput = "empty_output"
    case unknownRole = "unknown_role"
    case systemNotFirst = "system_not_first"
    case consecutiveUserTurns = "consecutive_user_turns"
    case noAssistantTurn = "no_assistant_turn"
    case assistantBeforeUser = "assistant_before_user"
    case mergedInstructions = "merged_instructions"
    case duplicateRecord = "duplicate_record"
    case placeholder = "placeholder"
    case tooLong = "too_long"
    case lineTooLong = "line_too_long"
    case io = "io_error"
    /// Dropped by a MinHash near-duplicate stage (`--dedup-config`).
    case nearDuplicate = "near_duplicate"
    /// Shares an n-gram with an evaluation set (`--dedup-config` with `decontaminate`).
    case contaminated = "contaminated"
    /// Dropped by another dedup stage (e.g. nothing left after repeated-line removal).
    case dedupDropped = "dedup_dropped"

    public static func < (a: SFTErrorCode, b: SFTErrorCode) -> Bool { a.rawValue < b.rawValue }
}

/// One problem found in one record.
public struct SFTIssue: Sendable, Equatable, CustomStringConvertible {
    public var code: SFTErrorCode
    public var file: String
    /// 1-based line where the record starts (0 when unknown).
    public var line: Int
    /// 0-based element index for JSON arrays and keyed objects, nil for JSONL.
    public var index: Int?
    /// The field at fault, as a path like `messages[2].role` ("" for the whole record).
    public var field: String
    public var message: String
    /// What happened to the record: `rejected`, `truncated` or `kept` (a warning).
    public var action: String

    public init(code: SFTErrorCode, file: String, line: Int, index: Int? = nil, field: String, message: String, action: String = "rejected") {
        self.code = code; self.file = file; self.line = line; self.index = index; self.field = field; self.message = message; self.action = action
    }

    public var location: String {
        var s = file
        if line > 0 { s += ":\(line)" }
        if let i = index { s += " [#\(i)]" }
        return s
    }

    public var description: String {
        "\(location): \(code.rawValue)\(field.isEmpty ? "" : " \(field)"): \(message)\(action == "rejected" ? "" : " (\(action))")"
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["code": .string(code.rawValue), "file": .string(file), "line": .int(Int64(line)),
                                      "field": .string(field), "message": .string(message), "action": .string(action)]
        if let i = index { o["index"] = .int(Int64(i)) }
        return .object(o)
    }
}
