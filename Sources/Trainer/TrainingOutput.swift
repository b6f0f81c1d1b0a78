import Foundation

/// What a fresh (not resumed) run may do with an `output_dir` that already holds checkpoints: refuse, or with
/// `overwrite` remove them once the run has been set up. Only what a run writes is touched: the `latest` pointer
/// and the `checkpoint-NNNNNN` folders; other files of the folder stay.
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

    /// Whether `outputDir` holds checkpoint folders or a `latest` pointer.
    public static func hasCheckpoints(_ outputDir: String) -> Bool {
        !checkpoints(in: outputDir).isEmpty || FileManager.default.fileExists(atPath: outputDir + "/latest")
    }

    /// Checks that a run starting at step 0 may use `outputDir`: throws when it holds checkpoints and `overwrite`
    /// is false. Nothing is removed here (see `removeCheckpoints`), so a run that fails to start loses nothing.
    public static func checkFreshRun(outputDir: String, overwrite: Bool) throws {
        guard !overwrite, hasCheckpoints(outputDir) else { return }
        let found = checkpoints(in: outputDir)
        let shown = found.isEmpty ? "latest" : found.prefix(3).joined(separator: ", ") + (found.count > 3 ? ", …" : "")
        throw TrainerError.config("output_dir \(outputDir) already holds checkpoints (\(shown)); "
            + "pass --resume to continue from them or --overwrite to replace them")
    }

    /// Removes `latest` first (so no pointer names a half-removed folder), then every checkpoint folder.
    public static func removeCheckpoints(outputDir: String) throws {
        let fm = FileManager.default
        do {
            if fm.fileExists(atPath: outputDir + "/latest") { try fm.removeItem(atPath: outputDir + "/latest") }
            for name in checkpoints(in: outputDir) { try fm.removeItem(atPath: outputDir + "/" + name) }
        } catch {
            throw TrainerError.config("--overwrite: cannot remove the old checkpoints of \(outputDir): \(error.localizedDescription)")
        }
    }
}
