#if canImport(Glibc)
import TestSupport
import Glibc
#endif
import DomainForgeCore
import Foundation
import PipelineConfig
@testable import PipelineRunner
import Testing

/// Resume compares the content of finished inputs, not only their size and mtime.
@Suite struct ResumeContentCheckTests {
    /// Overwrites byte `offset` of a file in place and puts its modification time back exactly.
    static func editKeepingSizeAndMtime(_ path: String, offset: Int, byte: UInt8) throws {
        var st = stat()
        #expect(stat(path, &st) == 0)
        let fd = open(path, O_WRONLY)
        #expect(fd >= 0)
        var b = byte
        #expect(pwrite(fd, &b, 1, off_t(offset)) == 1)
        close(fd)
        var times = [st.st_atim, st.st_mtim]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        var after = stat()
        #expect(stat(path, &after) == 0)
        #expect(after.st_size == st.st_size && after.st_mtim.tv_sec == st.st_mtim.tv_sec)
    }

    @Test func anInputEditedInPlaceIsRefusedUnlessMtimeIsTrusted() throws {
        let d = TempDir()
        OutputLockTests.corpus(d)
        let s = try spec(OutputLockTests.yaml, in: d)
        try runPipeline(s, maxParts: 2)
        try runPipeline(s)  // unchanged inputs resume
        try Self.editKeepingSizeAndMtime(d.path + "/in/f0.jsonl", offset: 12, byte: UInt8(ascii: "X"))
        let err = #expect(throws: RunError.self) { try runPipeline(s) }
        #expect(err?.message.contains("input in/f0.jsonl changed since this output was started") == true)
        let st = try runPipeline(s, trustMtime: true)
        #expect(st.documentsIn == 80)
    }

    @Test(.enabled(if: haveTool("gzip"), "needs the gzip tool to write the input"))
    func theRecordedHashCoversWholeCompressedFiles() throws {
        let d = TempDir()
        let text = (0..<50).map { "{\"text\":\"gz line \($0)\"}" }.joined(separator: "\n") + "\n"
        d.write("in/a.jsonl.gz", gzip(Array(text.utf8)))
        let s = try spec(OutputLockTests.yaml, in: d)
        try runPipeline(s)
        try runPipeline(s)  // the recorded hash matches a re-read of the file
        try Self.editKeepingSizeAndMtime(d.path + "/in/a.jsonl.gz", offset: 4, byte: 0x5A)  // gzip header mtime field
        #expect(throws: RunError.self) { try runPipeline(s) }
    }
}
