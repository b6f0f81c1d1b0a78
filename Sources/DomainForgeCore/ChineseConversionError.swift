/// A Traditional/Simplified Chinese conversion that could not be set up.
public enum ChineseConversionError: Error, Sendable, CustomStringConvertible {
    /// OpenCC could not open the configuration (missing data files).
    case configUnavailable(String)

    public var description: String {
        switch self {
        case .configUnavailable(let name):
            return "OpenCC could not open its configuration '\(name)': install the OpenCC data (Debian: apt-get install "
                + "libopencc-data libopencc-dev, or scripts/install-deps.sh) or set chinese: none"
        }
    }
}
