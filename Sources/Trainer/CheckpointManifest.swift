import DomainForgeCore
import Foundation

/// `checkpoint.sha256.json`: the sha256 of every file a checkpoint folder was written with, written last (atomically)
/// so a folder with a manifest was completely written. Layout:
/// `{"algorithm": "sha256", "files": {"config.json": "<hex>", "model.safetensors": "<hex>", ...}, "version": 1}`.
///
/// Loading checks the files it reads against it and refuses a mismatch, naming the file. A folder without a
/// manifest (written before manifests existed, or a Hugging Face / PEFT folder made elsewhere) loads unchecked.
/// Files the manifest does not list (a README added later) are ignored.
public enum CheckpointManifest {
    /// The manifest's file name inside a checkpoint folder.
    public static let fileName = "checkpoint.sha256.json"

    /// Hashes `files` (names inside `directory`) and writes the manifest atomically, replacing an older one.
    public static func write(directory: String, files: [String]) throws {
        var entries: [String: JSONValue] = [:]
        for name in files { entries[name] = .string(try hash(directory + "/" + name)) }
        let manifest: JSONValue = .object(["algorithm": .string("sha256"), "files": .object(entries), "version": .int(1)])
        let f = try AtomicOutputFile(path: directory + "/" + fileName)
        try f.write(Array((manifest.serialized() + "\n").utf8))
        try f.commit()
    }

    /// The recorded hashes by file name, or nil when `directory` has no manifest.
    public static func load(directory: String) throws -> [String: String]? {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        func bad(_ m: String) -> TrainerError {
            .checkpoint(file: path, message: "\(m); the checkpoint cannot be trusted: restore the folder or use an earlier checkpoint")
        }
        guard let d = FileManager.default.contents(atPath: path) else { throw bad("cannot read") }
        let v: JSONValue
        do { v = try JSONParser.parse(bytes: [UInt8](d)) } catch { throw bad("not valid JSON (\(error))") }
        guard v["algorithm"]?.stringValue == "sha256", let files = v["files"]?.objectValue else {
            throw bad("needs \"algorithm\": \"sha256\" and a \"files\" object")
        }
        var out: [String: String] = [:]
        for (name, h) in files {
            guard let hex = h.stringValue, hex.count == 64, !name.contains("/") else { throw bad("entry \(name) is malformed") }
            out[name] = hex
        }
        return out
    }

    /// Checks the files of `directory` against its manifest: those named in `only` (when listed), else every listed
    /// file. Returns false when there is no manifest (nothing checked); throws naming the first file that is missing
    /// or differs.
    @discardableResult
    public static func verify(directory: String, only: [String]? = nil) throws -> Bool {
        guard let recorded = try load(directory: directory) else { return false }
        let names = only.map { $0.filter { recorded[$0] != nil } } ?? recorded.keys.sorted()
        for name in names {
            let path = directory + "/" + name
            guard FileManager.default.fileExists(atPath: path) else {
                throw TrainerError.checkpoint(file: path, message: "listed in \(fileName) but missing; restore it or use an earlier checkpoint")
            }
            guard try hash(path) == recorded[name] else {
                throw TrainerError.checkpoint(file: path, message: "sha256 does not match \(fileName) (corrupted or modified); "
                    + "restore the file or use an earlier checkpoint")
            }
        }
        return true
    }

    static func hash(_ path: String) throws -> String {
        guard let h = SHA256Hasher.hex(fileAt: path) else { throw TrainerError.checkpoint(file: path, message: "cannot read") }
        return h
    }
}
