/// Why word segmentation cannot run.
public enum SegmenterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// ICU could not open a word break iterator.
    case icuUnavailable

    public var description: String {
        switch self {
        case .icuUnavailable:
            return "ICU's word break iterator could not be opened: install ICU with its data (Debian: libicu-dev, "
                + "which brings libicu72) and run again"
        }
    }
}
