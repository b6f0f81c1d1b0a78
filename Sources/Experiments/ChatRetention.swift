import Evaluation
import Foundation

/// Chat-format retention of one run: the response loss and JSON-format checks on the held-out general chat records
/// (the `chat` dataset of its `eval.json`) and the template adherence of `chat_format.json` (`ChatFormatProbe`).
public struct ChatRetention: Sendable, Equatable {
    /// Eval label of the held-out general chat records.
    public static let label = "chat"
    public var responseLoss: Double?
    public var formatChecked = 0
    public var formatPassed = 0
    public var probe: ChatFormatProbe.Result?

    public init(responseLoss: Double? = nil, formatChecked: Int = 0, formatPassed: Int = 0, probe: ChatFormatProbe.Result? = nil) {
        self.responseLoss = responseLoss; self.formatChecked = formatChecked; self.formatPassed = formatPassed; self.probe = probe
    }

    /// What a run measured; nil when it has neither a `chat` dataset nor a probe file.
    public init?(eval: EvalResult, directory: String?) {
        let d = eval.dataset(Self.label)
        let p = directory.flatMap { ChatFormatProbe.load(directory: $0) }
        guard d != nil || p != nil else { return nil }
        self.init(responseLoss: d?.loss, formatChecked: d?.formatChecked ?? 0, formatPassed: d?.formatPassed ?? 0, probe: p)
    }
}

extension RunComparison {
    /// Headers of the chat-format columns.
    public static let chatHeaders = ["chat loss", "turn end", "JSON ok"]

    /// `rows` with the chat-format retention columns appended when at least one run measured it: response loss on
    /// held-out chat, the share of greedy answers that end their turn (ended/checked) and JSON checks passed/checked.
    func withChatColumns(_ rows: [[String]]) -> [[String]] {
        let all = allRows
        guard all.contains(where: { $0.chat != nil }), rows.count == all.count + 1 else { return rows }
        var out = [rows[0] + Self.chatHeaders]
        for (r, row) in zip(all, rows.dropFirst()) {
            if r.failure != nil { out.append(row); continue }
            let c = r.chat
            out.append(row + [c?.responseLoss.map { String(format: "%.4f", $0) } ?? "-",
                              c?.probe.flatMap { p in p.adherence.map { String(format: "%.2f (%d/%d)", $0, p.ended, p.checked) } } ?? "-",
                              c.flatMap { $0.formatChecked > 0 ? "\($0.formatPassed)/\($0.formatChecked)" : nil } ?? "-"])
        }
        return out
    }
}
