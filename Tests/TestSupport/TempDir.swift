import Foundation

/// A fresh temporary folder, removed when the value is released (shared by the test targets).
public final class TempDir: @unchecked Sendable {
    /// The folder's absolute path.
    public let path: String

    public init() {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("df-test-" + UUID().uuidString)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `rel`, creating folders.
    public func write(_ rel: String, _ text: String) { write(rel, Array(text.utf8)) }
    /// Writes `bytes` to `rel`, creating folders.
    public func write(_ rel: String, _ bytes: [UInt8]) {
        let p = path + "/" + rel
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
    }
    /// The bytes of `rel`, or nil.
    public func read(_ rel: String) -> [UInt8]? { FileManager.default.contents(atPath: path + "/" + rel).map(Array.init) }
    /// The file names in folder `rel`, sorted.
    public func files(_ rel: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path + "/" + rel)) ?? []).sorted()
    }
    /// Every file under `rel`, as paths relative to it, sorted.
    public func allFiles(_ rel: String) -> [String] {
        let root = path + "/" + rel
        var out = [String]()
        let e = FileManager.default.enumerator(atPath: root)
        while let f = e?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + f, isDirectory: &isDir), !isDir.boolValue { out.append(f) }
        }
        return out.sorted()
    }
    /// The lines of `rel` (empty when absent).
    public func lines(_ rel: String) -> [String] {
        guard let b = read(rel) else { return [] }
        return String(decoding: b, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
