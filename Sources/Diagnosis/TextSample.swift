import DomainForgeCore
import Foundation

/// A bounded sample of documents from text data, with counts over everything read. Inputs: JSONL documents
/// (`{"text": ...}`; plain, `.gz` or `.zst`), `.txt`/`.md` files (one document per blank-line separated block, or
/// per line when the file has no blank line), or folders of those (a run folder's `documents/` when present).
/// Exact duplicate texts are counted once.
public struct TextSample: Sendable {
    /// The sampled documents' texts, in input order (the first `maxDocs` unique documents).
    public var texts: [String] = []
    /// Unique documents read in all (the sample is their prefix).
    public var documents = 0
    /// Exact duplicates skipped.
    public var duplicates = 0
    /// Lines that were not usable documents (invalid JSON, no text field).
    public var rejected = 0
    /// UTF-8 bytes of all unique documents (sampled or not).
    public var totalBytes = 0
    /// UTF-8 bytes of the sampled documents.
    public var sampleBytes: Int { texts.reduce(0) { $0 + $1.utf8.count } }

    /// Reads `path` fully for the counts, keeping at most `maxDocs` documents and `maxBytes` bytes of text
    /// (a longer document is cut at a line end).
    public static func load(path: String, label: String, maxDocs: Int, maxBytes: Int) throws -> TextSample {
        var s = TextSample()
        var seen = Set<UInt64>()
        var keptBytes = 0
        let files = try inputFiles(path)
        for f in files {
            try forEachDocument(f) { text in
                guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { s.rejected += 1; return }
                guard seen.insert(fnv1a(text)).inserted else { s.duplicates += 1; return }
                s.documents += 1
                s.totalBytes += text.utf8.count
                if s.texts.count < maxDocs && keptBytes < maxBytes {
                    let cut = cutText(text, maxBytes: maxBytes - keptBytes)
                    keptBytes += cut.utf8.count
                    s.texts.append(cut)
                }
            }
        }
        if s.texts.isEmpty { throw DiagnosisError.emptyData(label: label, path: path) }
        return s
    }

    /// The files a path stands for (sorted, for a folder).
    static func inputFiles(_ path: String) throws(DiagnosisError) -> [String] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { throw .missingInput(path) }
        guard isDir.boolValue else { return [path] }
        var dir = path
        var sub: ObjCBool = false
        if fm.fileExists(atPath: path + "/documents", isDirectory: &sub), sub.boolValue { dir = path + "/documents" }
        let exts = [".jsonl", ".jsonl.gz", ".jsonl.zst", ".txt", ".md"]
        let names = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { n in
            exts.contains { n.hasSuffix($0) } && !AtomicOutputFile.isTemporary(n)
        }.sorted()
        return names.map { dir + "/" + $0 }
    }

    /// Calls `body` with each document's text (nil for an unusable record) of one file.
    static func forEachDocument(_ file: String, _ body: (String?) -> Void) throws {
        let isJSONL = file.hasSuffix(".jsonl") || file.hasSuffix(".jsonl.gz") || file.hasSuffix(".jsonl.zst")
        if isJSONL {
            let reader = LineReader(source: try openByteSource(path: file, displayName: file), maxLineBytes: 64 << 20)
            while let rec = try reader.next() {
                if rec.overlongBytes > 0 { body(nil); continue }
                if rec.bytes.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                let v = try? JSONParser.parse(bytes: rec.bytes)
                body(v?.objectValue?["text"]?.stringValue)
            }
            return
        }
        let bytes = try readWholeFile(path: file, displayName: file, limit: 1 << 30)
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        let blocks = text.contains("\n\n") ? text.components(separatedBy: "\n\n") : text.components(separatedBy: "\n")
        for b in blocks where !b.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { body(b) }
    }

    /// `text` cut to at most `maxBytes` UTF-8 bytes, at the last line end (or space) before the limit.
    static func cutText(_ text: String, maxBytes: Int) -> String {
        let u = Array(text.utf8)
        if u.count <= maxBytes { return text }
        var end = maxBytes
        while end > 0 && (u[end] & 0xC0) == 0x80 { end -= 1 }
        let cut = u[..<end]
        if let nl = cut.lastIndex(of: 10), nl > maxBytes / 2 { end = nl } else if let sp = cut.lastIndex(of: 32), sp > maxBytes / 2 { end = sp }
        return String(decoding: u[..<end], as: UTF8.self)
    }

    /// FNV-1a 64 of the text's UTF-8 bytes (duplicate detection).
    static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }
}
