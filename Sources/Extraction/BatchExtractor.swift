import DomainForgeCore
import Dispatch
import Foundation

/// Extracts the documents of many HTML, XML or text files, several files at a time, and hands each file's result
/// back in input order (`pipeline extract`). A file that cannot be read or parsed gives a failure naming why; the
/// others go on.
public struct BatchExtractor: Sendable {
    /// How the files are read.
    public enum Format: String, Sendable, CaseIterable {
        /// One document per file: the page's main text (and title).
        case html
        /// One document per node matched by the selector's document XPath.
        case xml
        /// One document per file: the decoded text.
        case text
    }

    /// One extracted document.
    public struct Document: Sendable, Equatable {
        /// The file name (HTML, text), else the XML id or `<file name>#<n>`.
        public var id: String
        public var text: String
        /// The XML metadata fields (as strings), or for HTML `extraction`: the container chosen and its score.
        public var metadata: [String: JSONValue]?
        /// With `HTMLExtractor.Options.explain`: every block's score and verdict, as JSON lines (`extract --debug`).
        public var debug: [UInt8] = []
    }

    /// Why one file gave no documents.
    public struct FileFailure: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public let format: Format
    let html: HTMLExtractor
    let xml: XMLRecordExtractor?
    /// Files extracted at once (at least 1).
    public let threads: Int

    /// `xml` is required with `.xml` and ignored otherwise.
    public init(format: Format, html: HTMLExtractor, xml: XMLRecordExtractor?, threads: Int) {
        precondition(format != .xml || xml != nil, "format xml needs an XMLRecordExtractor")
        self.format = format
        self.html = html
        self.xml = xml
        self.threads = max(1, threads)
    }

    /// The documents of one file, or why it has none. Safe to call from several threads.
    public func extract(path: String) -> Result<[Document], FileFailure> {
        let name = URL(fileURLWithPath: path).lastPathComponent
        if let e = InputFileKind.of(path: path).inputError(file: path) { return .failure(.init(message: "\(e.message) [\(e.code)]")) }
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.init(message: "cannot read the file")) }
        switch format {
        case .text:
            return .success([Document(id: name, text: data.withUnsafeBytes { TextDecoding.decode($0).text })])
        case .html:
            let r = data.withUnsafeBytes { raw in Result { () throws(ExtractionError) in try html.extract(raw) } }
            return r.map { page in
                [Document(id: name, text: page.text, metadata: page.extractionMetadata.map { ["extraction": $0] },
                          debug: (page.blocks ?? []).flatMap { $0.jsonLine(id: name) })]
            }.mapError { .init(message: $0.description) }
        case .xml:
            let r = data.withUnsafeBytes { raw in Result { () throws(ExtractionError) in try xml!.extract(raw, fileName: name) } }
            return r.map { $0.map { Document(id: $0.id ?? name, text: $0.text, metadata: $0.metadata.mapValues { .string($0) }) } }
                .mapError { .init(message: $0.description) }
        }
    }

    /// Extracts `files`, `threads` at a time in batches of `threads * 32`, and calls `body` with each file and its
    /// result in input order, on the calling thread.
    public func run(files: [String], _ body: (String, Result<[Document], FileFailure>) throws -> Void) rethrows {
        let batch = threads * 32
        var start = 0
        while start < files.count {
            let chunk = Array(files[start..<min(files.count, start + batch)])
            start += chunk.count
            for (k, r) in extract(chunk).enumerated() { try body(chunk[k], r) }
        }
    }

    /// The results of one batch, in its order.
    func extract(_ chunk: [String]) -> [Result<[Document], FileFailure>] {
        var results = [Result<[Document], FileFailure>?](repeating: nil, count: chunk.count)
        if threads == 1 {
            for (k, f) in chunk.enumerated() { results[k] = extract(path: f) }
        } else {
            results.withUnsafeMutableBufferPointer { slots in
                // Each worker writes only its own slots (k ≡ w mod workers), so the writes never overlap.
                let out = ResultSlots(base: slots.baseAddress!)
                let workers = min(threads, chunk.count)
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    var k = w
                    while k < chunk.count { out.base[k] = extract(path: chunk[k]); k += workers }
                }
            }
        }
        return results.map { $0! }
    }
}

/// Result slots shared by the worker threads of one batch (disjoint indices per worker).
private struct ResultSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<Result<[BatchExtractor.Document], BatchExtractor.FileFailure>?>
}
