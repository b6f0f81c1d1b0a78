import DomainForgeCore
import Foundation
import Testing
@testable import Extraction

/// `pipeline extract`'s thread pool: input order and the same documents whatever the thread count; a bad file is a
/// failure of that file only.
@Suite struct BatchExtractorTests {
    /// Writes `count` text files (one missing name in the list) and returns their paths in order.
    func files(count: Int) throws -> (dir: String, paths: [String]) {
        let dir = NSTemporaryDirectory() + "batch-extractor-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var paths = [String]()
        for i in 0..<count {
            let p = dir + "/doc-\(i).txt"
            if i != 5 { try Data("text of document \(i)".utf8).write(to: URL(fileURLWithPath: p)) }
            paths.append(p)
        }
        return (dir, paths)
    }

    func run(_ paths: [String], threads: Int) -> [(String, Result<[BatchExtractor.Document], BatchExtractor.FileFailure>)] {
        let x = BatchExtractor(decode: BatchExtractor.text, tools: .init(), threads: threads)
        var out = [(String, Result<[BatchExtractor.Document], BatchExtractor.FileFailure>)]()
        x.run(files: paths) { out.append(($0, $1)) }
        return out
    }

    @Test(arguments: [1, 2, 3])
    func resultsComeInInputOrderWhateverTheThreads(threads: Int) throws {
        let (dir, paths) = try files(count: 70)  // more than one batch of 32 per thread with 1 and 2 threads
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let got = run(paths, threads: threads)
        #expect(got.map(\.0) == paths)
        for (i, (_, r)) in got.enumerated() {
            if i == 5 {
                guard case .failure(let f) = r else { Issue.record("doc-5 is missing and must fail"); continue }
                #expect(f.message == "does not exist or cannot be examined; check the path and its permissions [unreadable_file]")
            } else {
                #expect(try r.get() == [BatchExtractor.Document(id: "doc-\(i).txt", text: "text of document \(i)")])
            }
        }
    }
}
