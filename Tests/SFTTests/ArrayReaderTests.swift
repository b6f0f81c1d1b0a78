import DomainForgeCore
import Foundation
@testable import SFT
import Testing

/// SFT files that are JSON arrays are read with the package's one JSON-array splitter: elements carry the line they
/// start on, and a truncated array ends the file with an issue naming the line and element.
@Suite struct ArrayReaderTests {
    func write(_ text: String) throws -> (dir: String, file: String) {
        let dir = NSTemporaryDirectory() + "/df-sft-array-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: dir + "/a.json", atomically: true, encoding: .utf8)
        return (dir, dir + "/a.json")
    }

    @Test func elementsCarryTheirLines() throws {
        let (dir, file) = try write("[\n  {\"instruction\": \"a\", \"output\": \"b\"},\n\n  {\"instruction\": \"c\",\n   \"output\": \"d\"}\n]\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try SFTFileReader(path: file)
        var got = [(Int, Int?)]()
        while let item = try r.next() { got.append((item.line, item.index)) }
        #expect(got.map(\.0) == [2, 4] && got.map(\.1) == [0, 1])
    }

    @Test func aTruncatedArrayIsAnIssueAtItsElement() throws {
        let (dir, file) = try write("[{\"instruction\": \"a\", \"output\": \"b\"},\n {\"instruction\": \"c\", \"outp")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let v = SFTValidator(options: .init())
        try v.validate(path: file)
        #expect(v.summary.records == 2 && v.summary.valid == 1)
        #expect(v.issues.map(\.code) == [.invalidJSON])
        #expect(v.issues.first?.line == 2 && v.issues.first?.index == 1)
        #expect(v.issues.first?.message == "unterminated JSON array element (file truncated?)")
    }
}
