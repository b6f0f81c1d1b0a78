import Foundation

/// What a fresh (not resumed) run may do with an `output_dir` that already holds checkpoints: refuse, or with
/// `overwrite` remove them first. Only what a run writes is touched: the `latest` pointer and `checkpoint-NNNNNN`
/// folders; other files of the folder stay.
public enum TrainingOutput {
    /// The `checkpoint-NNNNNN` folders of `outputDir`, sorted.
    public static func checkpoints(in outputDir: String) -> [String] {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: outputDir)) ?? []
        return names.filter { name in
            var isDir: ObjCBool = false
            let digits = name.dropFirst("checkpoint-".count)
            return name.hasPrefix("checkpoint-") && !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
                && fm.fileExists(atPath: outputDir + "/" + name, isDirectory: &isDir) && isDir.boolValue
        }.sorted()
    }

    /// Readies `outputDir` for a run starting at step 0. Throws when it holds checkpoints (or a `latest` pointer)
    /// and `overwrite` is false; with `overwrite`, removes `latest` first (so no pointer names a half-removed folder),
    /// then every checkpoint folder.
    public static func prepareFreshRun(outputDir: String, overwrite: Bool) throws {
        let fm = FileManager.default
        let latest = outputDir + "/latest"
        let found = checkpoints(in: outputDir)
        guard !found.isEmpty || fm.fileExists(atPath: latest) else { return }
        guard overwrite else {
            let shown = found.prefix(3).joined(separator: ", ") + (found.count > 3 ? ", …" : "")
            throw TrainerError.config("output_dir \(outputDir) already holds checkpoints (\(found.isEmpty ? "latest" : shown)); "
                + "pass --resume to continue from them or --overwrite to replace them")
        }
        do {
            if fm.fileExists(atPath: latest) { try fm.removeItem(atPath: latest) }
            for name in found { try fm.removeItem(atPath: outputDir + "/" + name) }
        } catch {
            throw TrainerError.config("--overwrite: cannot remove the old checkpoints of \(outputDir): \(error.localizedDescription)")
        }
    }
}
