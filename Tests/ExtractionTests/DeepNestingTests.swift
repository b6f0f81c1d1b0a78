import Foundation
import Testing
@testable import Extraction

/// libxml2 stops building the tree at 256 levels unless told otherwise; no text may vanish because of depth.
@Suite struct DeepNestingTests {
    static func page(depth: Int) -> [UInt8] {
        Array(("<html><body><p>Opening paragraph before the deep block.</p>" + String(repeating: "<div>", count: depth)
            + "<p>Bottom text deep inside.</p>" + String(repeating: "</div>", count: depth)
            + "<p>Closing paragraph after the deep block.</p></body></html>").utf8)
    }

    @Test(arguments: [300, 1000, 20_000])
    func wholePageKeepsTextBelowAndAfterTheDeepBlock(depth: Int) throws {
        let r = try HTMLExtractor(options: .init(wholePage: true)).extract(Self.page(depth: depth))
        #expect(r.text.contains("Opening paragraph before the deep block."))
        #expect(r.text.contains("Bottom text deep inside."))
        #expect(r.text.contains("Closing paragraph after the deep block."))
    }
}
