import Foundation

/// Helpers that run system tools (gzip, zstd) for the test targets.
public enum Tools {
    /// gzip-compresses with the system `gzip` tool.
    public static func gzip(_ bytes: [UInt8]) -> [UInt8] { pipeThrough(["gzip", "-c", "-n"], bytes) }
    /// zstd-compresses with the system `zstd` tool.
    public static func zstd(_ bytes: [UInt8]) -> [UInt8] { pipeThrough(["zstd", "-c", "-q"], bytes) }

    /// The standard output of `cmd` given `input` on standard input.
    public static func pipeThrough(_ cmd: [String], _ input: [UInt8]) -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = cmd
        let inPipe = Pipe(), outPipe = Pipe()
        p.standardInput = inPipe
        p.standardOutput = outPipe
        try! p.run()
        let writer = Thread { inPipe.fileHandleForWriting.write(Data(input)); try? inPipe.fileHandleForWriting.close() }
        writer.start()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Array(out)
    }

    /// Whether a command exists on PATH.
    public static func have(_ name: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["which", name]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try? p.run()
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}
