// ICU word segmentation: prints each input line's words separated by single spaces (punctuation and spaces left
// out), for comparing with another segmenter (scripts/compare-jieba.py), and the throughput on stderr.
//
// Usage: swift run -c release bench segment FILE...
import Foundation
import Segmentation

func runSegmentBench(_ args: [String]) throws {
    guard !args.isEmpty else { print("usage: bench segment FILE..."); return }
    var bytes = 0
    var seconds = 0.0
    var out = ""
    for file in args {
        guard let data = FileManager.default.contents(atPath: file) else {
            FileHandle.standardError.write(Data("segment: cannot read \(file); check the path\n".utf8))
            continue
        }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let start = Date()
            let words = WordSegmenter.words(of: String(line))
            seconds += Date().timeIntervalSince(start)
            bytes += line.utf8.count
            out += words.joined(separator: " ") + "\n"
        }
    }
    print(out, terminator: "")
    FileHandle.standardError.write(Data(String(format: "segment: %.2f MB in %.3f s, %.1f MB/s\n", Double(bytes) / 1e6, seconds,
                                                Double(bytes) / 1e6 / max(seconds, 1e-9)).utf8))
}
