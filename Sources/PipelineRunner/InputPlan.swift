#if canImport(Glibc)
import Glibc
#endif
import DomainForgeCore
import Foundation
import PipelineConfig

/// One input file of a run, in its deterministic global order.
public struct InputFile: Sendable, Equatable {
    /// Position in the sorted list of all inputs (before rank sharding).
    public var index: Int
    /// Which `inputs[]` entry it came from.
    public var specIndex: Int
    /// Path on disk.
    public var path: String
    /// The name shown to users and written as `metadata.source`: `<input name>/<path inside the folder>`.
    public var displayName: String
    public var size: Int
    public var mtime: Int
}

/// The sorted list of input files and its split into ranks and parts (the unit of output and of resume).
public struct InputPlan: Sendable {
    public var files: [InputFile]

    /// Expands every `inputs[]` entry: a file is taken as is; a folder is walked recursively (symlinked files are
    /// read, symlinked folders are not followed), keeping files whose name matches an `include` glob and no `exclude`
    /// glob, and hidden files are skipped; files are sorted by path (byte order) for determinism.
    public static func build(_ spec: PipelineSpec) throws -> InputPlan {
        var files = [InputFile]()
        for (si, input) in spec.inputs.enumerated() {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input.path, isDirectory: &isDir) else {
                throw ConfigError(path: "inputs[\(si)].path", message: "\(input.path) does not exist")
            }
            var found = [(String, String)]()  // (path, relative)
            if isDir.boolValue {
                try walk(input.path, relative: "", include: input.include, exclude: input.exclude, into: &found)
                found.sort { Array($0.1.utf8).lexicographicallyPrecedes(Array($1.1.utf8)) }
            } else {
                found = [(input.path, "")]
            }
            for (path, rel) in found {
                var st = stat()
                guard stat(path, &st) == 0 else { continue }
                let display = rel.isEmpty ? input.name : input.name + "/" + rel
                files.append(InputFile(index: files.count, specIndex: si, path: path, displayName: display,
                                       size: Int(st.st_size), mtime: Int(st.st_mtim.tv_sec)))
            }
        }
        return InputPlan(files: files)
    }

    static func walk(_ dir: String, relative: String, include: [String], exclude: [String], into out: inout [(String, String)]) throws {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            throw ConfigError(path: dir, message: "cannot list folder: \(error.localizedDescription)")
        }
        for name in names where !name.hasPrefix(".") {
            let path = dir + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard stat(path, &st) == 0 else { continue }
            var lst = stat()
            let isLink = lstat(path, &lst) == 0 && (lst.st_mode & S_IFMT) == S_IFLNK
            if (st.st_mode & S_IFMT) == S_IFDIR {
                if isLink { continue }  // symlinked folders are not followed (no cycles, no double counting)
                try walk(path, relative: rel, include: include, exclude: exclude, into: &out)
            } else if (st.st_mode & S_IFMT) == S_IFREG {
                if include.contains(where: { fnmatch($0, name, 0) == 0 }) && !exclude.contains(where: { fnmatch($0, name, 0) == 0 }) {
                    out.append((path, rel))
                }
            }
        }
    }

    /// The files of one rank: every `worldSize`-th file starting at `rank` (as datatrove shards files).
    public func files(rank: Int, worldSize: Int) -> [InputFile] {
        files.filter { $0.index % worldSize == rank }
    }

    /// Groups a rank's files into parts: consecutive files until `chunkBytes` of input or `chunkFiles` files.
    public static func parts(of files: [InputFile], chunkBytes: Int, chunkFiles: Int) -> [[InputFile]] {
        var parts = [[InputFile]]()
        var cur = [InputFile]()
        var bytes = 0
        for f in files {
            if !cur.isEmpty && (bytes + f.size > chunkBytes || cur.count >= chunkFiles) {
                parts.append(cur)
                cur = []
                bytes = 0
            }
            cur.append(f)
            bytes += f.size
        }
        if !cur.isEmpty { parts.append(cur) }
        return parts
    }
}
