import DomainForgeCore
import Dispatch
import Foundation

/// Extracts the documents of many files of one format (HTML, XML or text: the decoder of its entry in the input
/// format table), several files at a time, and hands each file's result back in input order (`pipeline extract`). A file that cannot be read or parsed gives a failure naming why; the
/// others go on.
public struct BatchExtractor: Sendable {
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

    /// What one file gives: its documents, or why it has none. `bytes` is the whole file, `name` its last path
    /// component. The decoders of the formats are below; the input format table (`InputFormats` in PipelineRunner)
    /// names the one of each format.
    public typealias Decode = @Sendable (_ bytes: UnsafeRawBufferPointer, _ name: String, _ tools: Tools) -> Result<[Document], FileFailure>

    /// The extractors a decoder may use.
    public struct Tools: Sendable {
        public var html: HTMLExtractor
        /// The record selector of XML files (nil: XML files are refused).
        public var xml: XMLRecordExtractor?
        public init(html: HTMLExtractor = HTMLExtractor(), xml: XMLRecordExtractor? = nil) { self.html = html; self.xml = xml }
    }

    public let decode: Decode
    public let tools: Tools
    /// Files extracted at once (at least 1).
    public let threads: Int

    public init(decode: @escaping Decode, tools: Tools, threads: Int) {
        self.decode = decode
        self.tools = tools
        self.threads = max(1, threads)
    }

    /// Text: one document per file, the decoded text.
    public static let text: Decode = { raw, name, _ in .success([Document(id: name, text: TextDecoding.decode(raw).text)]) }

    /// HTML: one document per file, the page's main text (and title).
    public static let html: Decode = { raw, name, tools in
        Result { () throws(ExtractionError) in try tools.html.extract(raw) }.map { page in
            [Document(id: name, text: page.text, metadata: page.extractionMetadata.map { ["extraction": $0] },
                      debug: (page.blocks ?? []).flatMap { $0.jsonLine(id: name) })]
        }.mapError { .init(message: $0.description) }
    }

    /// XML: one document per node matched by the selector's document XPath.
    public static let xml: Decode = { raw, name, tools in
        guard let xml = tools.xml else { return .failure(.init(message: "no XML record selector was given")) }
        return Result { () throws(ExtractionError) in try xml.extract(raw, fileName: name) }
            .map { $0.map { Document(id: $0.id ?? name, text: $0.text, metadata: $0.metadata.mapValues { .string($0) }) } }
            .mapError { .init(message: $0.description) }
    }

    /// The documents of one file, or why it has none. Safe to call from several threads.
    public func extract(path: String) -> Result<[Document], FileFailure> {
        let name = URL(fileURLWithPath: path).lastPathComponent
        if let e = InputFileKind.of(path: path).inputError(file: path) { return .failure(.init(message: "\(e.message) [\(e.code)]")) }
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.init(message: "cannot read the file")) }
        return data.withUnsafeBytes { decode($0, name, tools) }
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
