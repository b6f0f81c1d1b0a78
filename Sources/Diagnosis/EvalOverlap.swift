import DomainForgeCore
import Foundation

/// Decontamination check: how many domain documents and SFT lines share a word n-gram with the eval set.
public struct EvalOverlap: Sendable, Equatable {
    /// Words per n-gram.
    public static let n = 8
    /// Eval n-grams known.
    public var evalNGrams = 0
    public var domainDocuments = 0
    public var domainOverlapping = 0
    /// SFT lines (records of JSONL) read and those sharing an n-gram.
    public var sftLines = 0
    public var sftOverlapping = 0

    public init() {}

    /// Lowercased runs of letters and digits.
    static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }
    }

    /// The hashes of the `n`-word windows of `text`.
    static func nGrams(_ text: String) -> Set<Int> {
        let w = words(text)
        guard w.count >= n else { return [] }
        var out = Set<Int>()
        for i in 0...(w.count - n) { out.insert(w[i..<(i + n)].joined(separator: " ").hashValue) }
        return out
    }

    /// Reads the eval file (or folder of CSV files) line by line and checks the domain sample and the SFT file.
    public static func measure(evalPath: String, domain: [String], sftPath: String?) throws -> EvalOverlap {
        var o = EvalOverlap()
        var grams = Set<Int>()
        var isDir: ObjCBool = false
        FileManager.default.fileExists(atPath: evalPath, isDirectory: &isDir)
        let files = isDir.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: evalPath)) ?? []).sorted().map { evalPath + "/" + $0 } : [evalPath]
        for f in files { try forEachLine(f) { grams.formUnion(nGrams($0)) } }
        o.evalNGrams = grams.count
        for d in domain {
            o.domainDocuments += 1
            if !nGrams(d).isDisjoint(with: grams) { o.domainOverlapping += 1 }
        }
        if let sftPath {
            try forEachLine(sftPath) { line in
                o.sftLines += 1
                if !nGrams(line).isDisjoint(with: grams) { o.sftOverlapping += 1 }
            }
        }
        return o
    }

    static func forEachLine(_ path: String, _ body: (String) -> Void) throws {
        let reader = LineReader(source: try openByteSource(path: path, displayName: path), maxLineBytes: 16 << 20)
        while let r = try reader.next() {
            if r.overlongBytes == 0 { body(String(decoding: r.bytes, as: UTF8.self)) }
        }
    }
}
