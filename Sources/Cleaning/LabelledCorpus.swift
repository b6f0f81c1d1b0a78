import Foundation

/// A folder of labelled training text for `LanguageModelTrainer`: `folder/<label>/*.txt`.
struct LabelledCorpus {
    let folder: String
    /// (label, path) of every `.txt` file, sorted.
    let files: [(String, String)]
    /// The classifier's labels (`-Hant` merged into the base language), sorted.
    let baseLabels: [String]

    init(folder: String) throws(LanguageModelError) {
        self.folder = folder
        let fm = FileManager.default
        let labels: [String]
        do { labels = try fm.contentsOfDirectory(atPath: folder).sorted() } catch {
            throw .noTrainingData(folder: folder, detail: "cannot list it: \((error as NSError).localizedDescription)")
        }
        var files: [(String, String)] = []
        for label in labels where !label.hasPrefix(".") {
            let dir = (folder as NSString).appendingPathComponent(label)
            let names = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            for name in names.sorted() where name.hasSuffix(".txt") {
                files.append((label, (dir as NSString).appendingPathComponent(name)))
            }
        }
        guard !files.isEmpty else { throw .noTrainingData(folder: folder, detail: "no <label>/*.txt files") }
        let bases = Set(files.map { LanguageModelTrainer.base($0.0) })
        guard bases.count >= 2 else { throw .noTrainingData(folder: folder, detail: "need at least two languages") }
        guard bases.allSatisfy({ !$0.isEmpty && $0.utf8.count < 256 }) else {
            throw .noTrainingData(folder: folder, detail: "a label is empty or longer than 255 bytes")
        }
        self.files = files
        baseLabels = bases.sorted()
    }

    /// The text of one file (invalid UTF-8 repaired).
    func read(_ path: String) throws(LanguageModelError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "cannot read the training file")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
