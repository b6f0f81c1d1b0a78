import DomainForgeCore

/// Accounting of one stage: every document that entered it was kept or dropped for a named reason.
public struct StageStats: Codable, Sendable, Equatable {
    public var name: String
    public var total = 0
    public var kept = 0
    /// Drop reason to count.
    public var dropped: [String: Int] = [:]
    /// Extra counters the stage reported (redactions, lines removed...).
    public var counters: [String: Int] = [:]
    public init(name: String) { self.name = name }

    public var droppedTotal: Int { dropped.values.reduce(0, +) }

    enum CodingKeys: String, CodingKey { case name, total, kept, dropped, counters }

    public mutating func merge(_ o: StageStats) {
        total += o.total
        kept += o.kept
        for (k, v) in o.dropped { dropped[k, default: 0] += v }
        for (k, v) in o.counters { counters[k, default: 0] += v }
    }
}

/// Accounting of a run (or a part of one): input documents = kept + dropped + rejected.
public struct RunStats: Codable, Sendable, Equatable {
    /// Input files read completely.
    public var files = 0
    /// Bytes of those files (as stored, compressed or not).
    public var inputBytes = 0
    /// Records that became documents.
    public var documentsRead = 0
    /// Records or files that could not be read (written to errors/), by error code.
    public var rejected: [String: Int] = [:]
    /// Per-stage accounting, in pipeline order.
    public var stages: [StageStats] = []
    /// Documents written to documents/.
    public var kept = 0
    /// Bytes of documents/ files written (after compression).
    public var outputBytes = 0
    /// How documents were decoded, absent when every one was clean UTF-8: `charset_NAME` counts the documents read
    /// from another charset (or labelled with it, for HTML), `replaced_bytes_NAME` the bytes that were invalid in
    /// that charset and became U+FFFD.
    public var decoding: [String: Int]? = nil

    public init(stageNames: [String] = []) { stages = stageNames.map { StageStats(name: $0) } }

    enum CodingKeys: String, CodingKey {
        case files, rejected, stages, kept, decoding
        case inputBytes = "input_bytes", documentsRead = "documents_read", outputBytes = "output_bytes"
    }

    public var rejectedTotal: Int { rejected.values.reduce(0, +) }
    public var droppedTotal: Int { stages.reduce(0) { $0 + $1.droppedTotal } }
    /// Every input document: read or rejected.
    public var documentsIn: Int { documentsRead + rejectedTotal }

    /// Checks that the counts balance: per stage, total = kept + dropped and each stage's total is the previous
    /// stage's kept; overall, input documents = kept + dropped + rejected. Returns a description of the first mismatch.
    public func balanceProblem() -> String? {
        var expected = documentsRead
        for s in stages {
            if s.total != expected { return "stage \(s.name) saw \(s.total) documents, expected \(expected)" }
            if s.total != s.kept + s.droppedTotal { return "stage \(s.name): total \(s.total) != kept \(s.kept) + dropped \(s.droppedTotal)" }
            expected = s.kept
        }
        if expected != kept { return "written \(kept) documents, expected \(expected)" }
        if documentsIn != kept + droppedTotal + rejectedTotal { return "input \(documentsIn) != kept + dropped + rejected" }
        return nil
    }

    public mutating func merge(_ o: RunStats) {
        files += o.files
        inputBytes += o.inputBytes
        documentsRead += o.documentsRead
        for (k, v) in o.rejected { rejected[k, default: 0] += v }
        if stages.isEmpty { stages = o.stages.map { StageStats(name: $0.name) } }
        for i in stages.indices where i < o.stages.count { stages[i].merge(o.stages[i]) }
        kept += o.kept
        outputBytes += o.outputBytes
        for (k, v) in o.decoding ?? [:] { decoding = decoding ?? [:]; decoding![k, default: 0] += v }
    }

    /// Counts how `doc` was decoded, from its `charset` and `replaced_bytes` metadata (UTF-8 is not counted).
    public mutating func noteDecoding(of doc: Document) {
        let replaced = doc.metadata["replaced_bytes"]
        guard let cs = doc.metadata["charset"]?.stringValue ?? (replaced == nil ? nil : "utf-8") else { return }
        if cs != "utf-8" { decoding = decoding ?? [:]; decoding!["charset_" + cs, default: 0] += 1 }
        if case .int(let n)? = replaced, n > 0 {
            decoding = decoding ?? [:]
            decoding!["replaced_bytes_" + cs, default: 0] += Int(n)
        }
    }
}
