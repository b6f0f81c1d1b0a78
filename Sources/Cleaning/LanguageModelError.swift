/// Why a language-ID model file could not be used or built; each message says what to do.
public enum LanguageModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The file does not start with the model's magic bytes: it is not a `pipeline langid train` model.
    case notAModel(path: String)
    /// The file is shorter than its header says, or a field is out of range.
    case truncated(path: String, detail: String)
    /// The checksum at the end does not match the content: the file was changed or damaged.
    case checksumMismatch(path: String)
    /// The shipped model is missing from the build (resources not copied).
    case bundledModelMissing
    /// Training found no usable labelled text.
    case noTrainingData(folder: String, detail: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "language model '\(path)' cannot be read (\(reason)); check the path or omit 'model' to use the shipped model"
        case .notAModel(let path):
            return "'\(path)' is not a language-ID model (bad magic bytes); train one with 'pipeline langid train'"
        case .truncated(let path, let detail):
            return "language model '\(path)' is truncated or corrupt (\(detail)); retrain it with 'pipeline langid train' or restore the file"
        case .checksumMismatch(let path):
            return "language model '\(path)' fails its checksum (the file is damaged); retrain it with 'pipeline langid train' or restore the file"
        case .bundledModelMissing:
            return "the shipped language model is missing from this build; rebuild with 'swift build' or pass 'model: PATH'"
        case .noTrainingData(let folder, let detail):
            return "no training text in '\(folder)' (\(detail)); expected one sub-folder per language label holding .txt files"
        }
    }
}
