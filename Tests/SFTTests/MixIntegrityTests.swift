import DomainForgeCore
import Foundation
import Shards
import Testing
@testable import SFT

/// A mix source whose shard file was modified is refused (naming the file) unless `verifyShards` is off.
@Test func mixRefusesAModifiedShardSourceUnlessVerifyIsOff() throws {
    let d = Fix.tempDir("mix-integrity")
    var o = MDSShardWriter.Options()
    o.zstdLevel = nil
    let w = try MDSShardWriter(directory: d + "/src", options: o)
    for i in 0..<20 { try w.write(ShardSample(id: "source-doc-\(i)", source: "s", tokens: (0..<(30 + i)).map { UInt32($0 % 200) })) }
    try w.finish()
    let shard = d + "/src/shard.00000.mds"
    var data = try #require(FileManager.default.contents(atPath: shard))
    let at = try #require(data.range(of: Data("source-doc-7".utf8)))
    data[at.lowerBound] = UInt8(ascii: "S")
    try data.write(to: URL(fileURLWithPath: shard))
    var spec = try MixSpec.parse("""
        by: records
        total: 10
        seed: 1
        output: \(d)/out
        sources:
          - {name: only, shards: \(d)/src, ratio: 1}
        """)
    #expect(performing: { try Mixer.run(spec) }, throws: { "\($0)".contains("shard.00000.mds") && "\($0)".contains("sha256") })
    spec.verifyShards = false
    #expect(try Mixer.run(spec).total == 10)
}
