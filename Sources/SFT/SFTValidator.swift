import DomainForgeCore
import Foundation

/// What to do with a record longer than `maxTokens` after templating. Every case is counted under `too_long`.
public enum OverLengthPolicy: String, Sendable, CaseIterable {
    /// Reject the record (it is not written).
    case drop
    /// Keep the first `maxTokens` tokens (reported with action `truncated`); a record with no trained token left is dropped.
    case truncate
    /// Reject the record and make the whole validation fail.
    case error
}

public struct SFTValidationOptions {
    public var format: SFTFormat = .auto
    /// Dedup / decontamination stages (the pipeline's ordered stages) applied to each otherwise valid record, in
    /// order, on the text of all its messages joined by blank lines. Drops become `near_duplicate`, `contaminated`,
    /// `duplicate_record` (exact) or `dedup_dropped` issues; a drop's details (the kept record it duplicates) go
    /// into the message. An index error of a stage stops the validation.
    public var orderedStages: [any OrderedStage] = []
    /// Reject exact duplicates (same roles and contents after trimming), across all files of one validator.
    public var checkDuplicates = true
    /// Forget seen records at each new file (duplicates are then only found within a file).
    public var dedupPerFile = false
    /// Values for `{{name}}` placeholders; unfilled ones are reported as `placeholder`.
    public var placeholderValues: [String: String] = [:]
    /// Token budget after templating (needs `renderer`).
    public var maxTokens: Int?
    public var overLength: OverLengthPolicy = .drop
    /// How many issues to keep for printing (counts are always exact).
    public var maxIssuesKept = 10_000
    public init() {}
}

/// Counts for one validation run.
public struct SFTValidationSummary: Sendable, Equatable {
    public var records = 0
    public var valid = 0
    public var rejected = 0
    /// Records kept after truncation.
    public var truncated = 0
    /// Records per error code (a record with two issues of one code counts once).
    public var byCode: [SFTErrorCode: Int] = [:]
    /// Per file: records, valid, and records per code.
    public var files: [(file: String, records: Int, valid: Int, byCode: [SFTErrorCode: Int])] = []
    /// True when a record hit `too_long` under the `error` policy.
    public var fatal = false

    public init() {}
    public var errorRate: Double { records == 0 ? 0 : Double(rejected) / Double(records) }

    public static func == (a: SFTValidationSummary, b: SFTValidationSummary) -> Bool {
        a.records == b.records && a.valid == b.valid && a.rejected == b.rejected && a.byCode == b.byCode && a.truncated == b.truncated
    }

    public var json: JSONValue {
        func codes(_ d: [SFTErrorCode: Int]) -> JSONValue { .object(Dictionary(uniqueKeysWithValues: d.map { ($0.key.rawValue, .int(Int64($0.value))) })) }
        return .object([
            "records": .int(Int64(records)), "valid": .int(Int64(valid)), "rejected": .int(Int64(rejected)),
            "truncated": .int(Int64(truncated)), "error_rate": .double(errorRate), "by_code": codes(byCode),
            "files": .array(files.map { .object(["file": .string($0.file), "records": .int(Int64($0.records)), "valid": .int(Int64($0.valid)), "by_code": codes($0.byCode)]) }),
        ])
    }

    /// A plain-text table: totals, then counts per code, then per file.
    public func table() -> String {
        var s = "records \(records)  valid \(valid)  rejected \(rejected)  truncated \(truncated)  error rate \(String(format2(errorRate * 100)))%\n"
        if !byCode.isEmpty {
            s += "by code:\n"
            for (k, v) in byCode.sorted(by: { $0.key < $1.key }) { s += "  \(k.rawValue.padding(24)) \(v)\n" }
        }
        if files.count > 1 || !byCode.isEmpty {
            s += "by file:\n"
            for f in files {
                let codes = f.byCode.sorted(by: { $0.key < $1.key }).map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " ")
                s += "  \(f.file): records \(f.records) valid \(f.valid)\(codes.isEmpty ? "" : "  " + codes)\n"
            }
        }
        return s
    }
}

func format2(_ d: Double) -> String {
    let r = (d * 100).rounded() / 100
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < 2 { s += String(repeating: "0", count: 2 - decimals) }
    }
    return s
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}

/// Validates SFT files record by record, streaming, and hands every valid canonical record to a callback.
///
/// ```swift
/// let v = SFTValidator(options: .init())
/// try v.validate(path: "data.jsonl") { record, rendered in ... }
/// print(v.summary.table())
/// ```
public final class SFTValidator {
    public let options: SFTValidationOptions
    /// Renders a record for the `too_long` check (and for shards). Set together with `options.maxTokens`.
    public var renderer: SFTRenderer?
    public private(set) var summary = SFTValidationSummary()
    /// The first `options.maxIssuesKept` issues.
    public private(set) var issues: [SFTIssue] = []
    /// First occurrence of each record hash: file number, line, element index (+1, 0 = none). 28 bytes a record.
    private var seen: [Hash128: (file: Int32, line: Int32, index: Int32)] = [:]
    private var fileNames: [String] = []

    public init(options: SFTValidationOptions = .init(), renderer: SFTRenderer? = nil) {
        self.options = options
        self.renderer = renderer
    }

    private var stagesStarted = false

    /// Ends the dedup stages (their indexes and reports are written). Call once after the last file.
    public func finishStages() throws {
        guard stagesStarted else { return }
        for st in options.orderedStages { try st.endPart(0); try st.finish() }
        stagesStarted = false
    }

    /// Runs the ordered stages on a valid record; returns the issue when one drops it.
    private func runStages(_ rec: SFTRecord, file: String, item: RawSFTItem) throws -> SFTIssue? {
        guard !options.orderedStages.isEmpty else { return nil }
        if !stagesStarted {
            for st in options.orderedStages { try? st.resume(finishedParts: []); try? st.beginPart(0) }
            stagesStarted = true
        }
        var doc = Document(id: rec.id, text: rec.messages.map(\.content).joined(separator: "\n\n"), source: rec.source)
        for st in options.orderedStages {
            var counters = StageCounters()
            if case .drop(let reason, let details) = try st.decide(&doc, counters: &counters) {
                let code: SFTErrorCode = reason == "near_duplicate" ? .nearDuplicate : reason == "contaminated" ? .contaminated
                    : reason == "exact_duplicate" ? .duplicateRecord : .dedupDropped
                let detail = details.map { ": duplicates \($0.duplicateOf) (similarity \(String(format: "%.3f", $0.similarity)))" } ?? ""
                return SFTIssue(code: code, file: file, line: item.line, index: item.index, field: "",
                                message: "dropped by \(st.name) (\(reason))\(detail)")
            }
        }
        return nil
    }

    /// Validates one file. `source` is the name stored in each record (default: the display name).
    /// `onValid` receives each valid (possibly truncated) record and, when a renderer is set, its rendering.
    public func validate(path: String, displayName: String? = nil, source: String? = nil,
                         onValid: (SFTRecord, RenderedSFT?) throws -> Void = { _, _ in }) throws {
        let name = displayName ?? path
        let reader = try SFTFileReader(path: path, displayName: name)
        if options.dedupPerFile { seen.removeAll(keepingCapacity: true) }
        fileNames.append(name)
        var fileRecords = 0, fileValid = 0
        var fileCodes = [SFTErrorCode: Int]()
        var n = 0
        while let item = try reader.next() {
            n += 1
            fileRecords += 1
            let (rec, rendered, recIssues) = try process(item, file: name, source: source ?? name, ordinal: n)
            var codes = Set<SFTErrorCode>()
            var rejected = false
            for i in recIssues {
                codes.insert(i.code)
                if i.action == "rejected" { rejected = true }
                if i.action == "truncated" { summary.truncated += 1 }
                if issues.count < options.maxIssuesKept { issues.append(i) }
            }
            for c in codes { summary.byCode[c, default: 0] += 1; fileCodes[c, default: 0] += 1 }
            summary.records += 1
            if rejected || rec == nil { summary.rejected += 1; continue }
            summary.valid += 1
            fileValid += 1
            try onValid(rec!, rendered)
        }
        summary.files.append((name, fileRecords, fileValid, fileCodes))
    }

    /// Validates one raw item: parse, normalize, check, render.
    func process(_ item: RawSFTItem, file: String, source: String, ordinal: Int) throws -> (SFTRecord?, RenderedSFT?, [SFTIssue]) {
        if let e = item.readError { return (nil, nil, [e]) }
        let value: JSONValue
        if let v = item.value { value = v } else {
            do { value = try JSONParser.parse(bytes: item.bytes) } catch {
                return (nil, nil, [SFTIssue(code: .invalidJSON, file: file, line: item.line, index: item.index, field: "", message: "\(error)")])
            }
        }
        let fallback = item.key ?? "\(file):\(item.line > 0 ? item.line : ordinal)"
        let (r, nIssues) = SFTNormalizer.normalize(value, format: options.format, file: file, line: item.line, index: item.index, fallbackID: fallback, source: source)
        guard var rec = r else { return (nil, nil, nIssues) }
        if !options.placeholderValues.isEmpty { rec = SFTChecks.fillPlaceholders(rec, options.placeholderValues) }
        var issues = SFTChecks.check(rec, file: file, line: item.line, index: item.index)
        if options.checkDuplicates && issues.isEmpty {
            let h = SFTChecks.contentHash(rec)
            if let first = seen[h] {
                let where_ = "\(fileNames[Int(first.file)])\(first.line > 0 ? ":\(first.line)" : "")\(first.index > 0 ? " [#\(first.index - 1)]" : "")"
                issues.append(SFTIssue(code: .duplicateRecord, file: file, line: item.line, index: item.index, field: "", message: "same messages as \(where_)"))
            } else {
                seen[h] = (Int32(fileNames.count - 1), Int32(clamping: item.line), Int32(clamping: (item.index ?? -1) + 1))
            }
        }
        guard issues.isEmpty else { return (nil, nil, issues) }
        if let dropped = try runStages(rec, file: file, item: item) { return (nil, nil, [dropped]) }
        guard let renderer else { return (rec, nil, []) }
        do {
            var out = try renderer.render(rec)
            if let max = options.maxTokens, out.tokens.count > max {
                let msg = "\(out.tokens.count) tokens after templating, max_tokens is \(max)"
                switch options.overLength {
                case .drop:
                    return (nil, nil, [SFTIssue(code: .tooLong, file: file, line: item.line, index: item.index, field: "", message: msg + "; dropped (policy drop)")])
                case .error:
                    summary.fatal = true
                    return (nil, nil, [SFTIssue(code: .tooLong, file: file, line: item.line, index: item.index, field: "", message: msg + " (policy error)")])
                case .truncate:
                    out.tokens.removeLast(out.tokens.count - max)
                    out.lossMask.removeLast(out.lossMask.count - max)
                    if !out.lossMask.contains(where: { $0 != 0 }) {
                        return (nil, nil, [SFTIssue(code: .tooLong, file: file, line: item.line, index: item.index, field: "", message: msg + "; no trained token left after truncation, dropped")])
                    }
                    // The canonical record keeps its text; note the cut so --fix output says it was truncated.
                    var rec = rec
                    rec.meta["truncated_to_tokens"] = .int(Int64(max))
                    return (rec, out, [SFTIssue(code: .tooLong, file: file, line: item.line, index: item.index, field: "", message: msg + "; truncated to \(max)", action: "truncated")])
                }
            }
            return (rec, out, [])
        } catch {
            // The only render failure is a role the template has no format for.
            return (nil, nil, [SFTIssue(code: .unknownRole, file: file, line: item.line, index: item.index, field: "messages", message: "cannot render: \(error)")])
        }
    }
}

/// A 128-bit content hash.
struct Hash128: Hashable { var a: UInt64; var b: UInt64 }

/// Record-level checks on canonical records.
public enum SFTChecks {
    /// Structural and content checks: role order, assistant presence, empty/"N/A" outputs, merged instructions,
    /// unfilled `{{name}}` placeholders.
    public static func check(_ r: SFTRecord, file: String, line: Int, index: Int?) -> [SFTIssue] {
        var out = [SFTIssue]()
        func add(_ c: SFTErrorCode, _ f: String, _ m: String) { out.append(SFTIssue(code: c, file: file, line: line, index: index, field: f, message: m)) }
        let ms = r.messages
        if ms.isEmpty { add(.noAssistantTurn, "messages", "the record has no messages"); return out }
        var sawUser = false, sawAssistant = false
        var prevRole = ""
        for (i, m) in ms.enumerated() {
            let f = "messages[\(i)]"
            switch m.role {
            case "system":
                if i > 0 { add(.systemNotFirst, f + ".role", "a system message may only come first (found at index \(i))") }
            case "user":
                if prevRole == "user" { add(.consecutiveUserTurns, f, "two consecutive user turns at indices \(i - 1) and \(i)") }
                sawUser = true
            case "assistant":
                if !sawUser && !sawAssistant { add(.assistantBeforeUser, f, "assistant turn at index \(i) before any user turn") }
                sawAssistant = true
                if isEmptyOutput(m.content) {
                    add(.emptyOutput, f + ".content", m.content.trimmed.isEmpty ? "empty assistant output" : "assistant output is \"\(m.content.trimmed)\"")
                }
            default: break
            }
            prevRole = m.role
            if let n = mergedInstructionLine(m.content) {
                add(.mergedInstructions, f + ".content", "several numbered instructions in one record (\"\(n)\"); split it into separate records")
            }
            if let p = firstPlaceholder(m.content) {
                add(.placeholder, f + ".content", "unfilled template placeholder \(p); fill it (e.g. --fill name=Value) or drop the record")
            }
        }
        let dpo = r.meta["preference"] != nil ? " (a preference/DPO record: chosen/rejected are not SFT turns)" : ""
        if !sawAssistant { add(.noAssistantTurn, "messages", "no assistant turn to train on" + dpo) }
        else if !ms.contains(where: { $0.role == "assistant" && ($0.weight ?? 1) != 0 }) {
            add(.noAssistantTurn, "messages", "every assistant turn has weight 0: nothing to train on")
        } else if ms.last?.role == "user" {
            add(.noAssistantTurn, "messages[\(ms.count - 1)]", "the last user turn has no assistant answer" + dpo)
        }
        // One issue per code per record is enough for the report.
        var seen = Set<SFTErrorCode>()
        return out.filter { seen.insert($0.code).inserted }
    }

    public static func isEmptyOutput(_ s: String) -> Bool {
        let t = s.trimmed.uppercased()
        return t.isEmpty || t == "N/A" || t == "N/A." || t == "<NOOUTPUT>"
    }

    /// The merged-instructions heuristic: a line that, after optional `#` marks and spaces, is a number of at most
    /// three digits, `.` or `)`, optional spaces, then `Instruction` and a colon — the shape left behind when a
    /// generator packs the next numbered task into the same record (`\n##\n18. Instruction:`). Numbered lists of
    /// ordinary steps (`1. Input: ...`) do not match: only the word Instruction marks a packed task.
    /// Returns the offending line, or nil.
    public static func mergedInstructionLine(_ s: String) -> String? {
        guard s.utf8.count > 10, s.contains("nstruction") || s.contains("NSTRUCTION") else { return nil }
        for raw in s.split(separator: "\n", omittingEmptySubsequences: true) {
            var u = Substring(raw).utf8[...]
            while let c = u.first, c == 0x20 || c == 0x09 || c == UInt8(ascii: "#") { u = u.dropFirst() }
            var digits = 0
            while let c = u.first, c >= 0x30 && c <= 0x39 { digits += 1; u = u.dropFirst() }
            guard digits >= 1 && digits <= 3, let p = u.first, p == UInt8(ascii: ".") || p == UInt8(ascii: ")") else { continue }
            u = u.dropFirst()
            while let c = u.first, c == 0x20 { u = u.dropFirst() }
            let rest = String(Substring(u)).lowercased()
            for w in ["instruction"] where rest.hasPrefix(w) {
                if rest.dropFirst(w.count).drop(while: { $0 == " " }).first == ":" { return String(raw.prefix(60)) }
            }
        }
        return nil
    }

    /// The first `{{identifier}}` in `s`, or nil.
    public static func firstPlaceholder(_ s: String) -> String? {
        guard s.contains("{{") else { return nil }
        let u = Array(s.utf8)
        var i = 0
        while i + 4 < u.count {
            if u[i] == 0x7B && u[i + 1] == 0x7B {
                var j = i + 2
                while j < u.count && u[j] == 0x20 { j += 1 }
                let start = j
                while j < u.count, isIdent(u[j], first: j == start) { j += 1 }
                let end = j
                while j < u.count && u[j] == 0x20 { j += 1 }
                if end > start && j + 1 < u.count && u[j] == 0x7D && u[j + 1] == 0x7D {
                    return String(decoding: u[i...(j + 1)], as: UTF8.self)
                }
            }
            i += 1
        }
        return nil
    }

    static func isIdent(_ c: UInt8, first: Bool) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || (!first && (c >= 0x30 && c <= 0x39 || c == 0x2E))
    }

    /// Replaces `{{name}}` (and `{{ name }}`) by the given values.
    public static func fillPlaceholders(_ r: SFTRecord, _ values: [String: String]) -> SFTRecord {
        var r = r
        for i in r.messages.indices {
            for (k, v) in values {
                r.messages[i].content = r.messages[i].content.replacingAll("{{\(k)}}", with: v).replacingAll("{{ \(k) }}", with: v)
            }
        }
        return r
    }

    /// Hash of roles and trimmed contents: the duplicate key.
    static func contentHash(_ r: SFTRecord) -> Hash128 {
        var h = SHA256Hasher()
        if let t = r.meta["tools"] { h.update(Array(t.serialized().utf8)); h.update([2]) }
        for m in r.messages {
            h.update(Array(m.role.utf8)); h.update([0])
            h.update(Array(m.content.trimmed.utf8)); h.update([1])
        }
        let hex = Array(h.finalizeHex().utf8)
        func word(_ o: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<16 { let c = hex[o + k]; v = v << 4 | UInt64(c <= 0x39 ? c - 0x30 : c - 0x57) }
            return v
        }
        return Hash128(a: word(0), b: word(16))
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }

    func replacingAll(_ target: String, with rep: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += rep
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
