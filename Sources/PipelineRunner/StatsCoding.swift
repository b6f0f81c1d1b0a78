import Foundation

/// JSON coding of stats files: snake_case keys (explicit CodingKeys), sorted, so files are stable and read naturally from Python.
enum StatsCoding {
    static func encoder(pretty: Bool) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        return e
    }
    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        return d
    }
}
