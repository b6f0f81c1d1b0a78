import DomainForgeCore
import Testing
@testable import Cleaning

/// The hashed, pass-skipping n-gram code against a direct transcription of datatrove's `find_top_duplicate` and
/// `find_all_duplicate` over token strings, on random documents built from a small vocabulary (so that n-grams
/// repeat) with thresholds near the measured values.
@Suite struct RepetitionReferenceTests {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    func words(_ text: String) -> [String] {
        var copy = text
        return copy.withUTF8 { p in
            var tokens = [WordToken]()
            tokenizeWords(p, into: &tokens)
            return tokens.map { String(decoding: UnsafeBufferPointer(rebasing: p[Int($0.start)..<Int($0.end)]), as: UTF8.self) }
        }
    }

    func topChars(_ w: [String], _ n: Int) -> Int? {
        guard w.count >= n else { return nil }
        var counts: [String: Int] = [:]
        var order: [String] = []
        for i in 0...(w.count - n) {
            let g = w[i..<(i + n)].joined(separator: " ")
            if counts[g] == nil { order.append(g) }
            counts[g, default: 0] += 1
        }
        var best = order[0]
        for g in order where counts[g]! > counts[best]! { best = g }
        return best.unicodeScalars.count * counts[best]!
    }

    func dupChars(_ w: [String], _ n: Int) -> Int {
        var seen = Set<String>()
        var repeated = 0
        var i = 0
        while i < w.count - n + 1 {
            let g = w[i..<(i + n)].joined()
            if seen.contains(g) {
                repeated += g.unicodeScalars.count
                i += n
            } else {
                seen.insert(g)
                i += 1
            }
        }
        return repeated
    }

    @Test func matchesDirectComputation() {
        var rng = SplitMix(state: 42)
        let vocab = ["the", "river", "valley", "of", "old", "mills,", "and", "bridges.", "\u{E9}t\u{E9}", "x-ray", "(note)", "42"]
        var checked = 0
        for _ in 0..<150 {
            let count = 5 + rng.int(120)
            var parts: [String] = []
            for _ in 0..<count {
                // Repeat an earlier span now and then.
                if parts.count > 8 && rng.int(6) == 0 {
                    let start = rng.int(parts.count - 6)
                    parts.append(contentsOf: parts[start..<(start + 2 + rng.int(5))])
                } else {
                    parts.append(vocab[rng.int(vocab.count)])
                }
            }
            let text = parts.joined(separator: " ")
            let w = words(text)
            let total = Double(text.unicodeScalars.count)
            // Expected verdict with n-gram rules only, thresholds set just below / above the real values.
            for n in 2...6 {
                var o = GopherRepetitionFilter.Options()
                o.dupLineFrac = nil; o.dupParaFrac = nil; o.dupLineCharFrac = nil; o.dupParaCharFrac = nil
                let isTop = n <= 3
                let measured = isTop ? Double(topChars(w, n) ?? 0) / total : Double(dupChars(w, n)) / total
                for delta in [-0.001, 0.001] {
                    let threshold = min(1, max(0, measured + delta))
                    if isTop {
                        o.topNGrams = [n - 1: 1, n: threshold]  // a smaller n first exercises the skipping bound
                        o.dupNGrams = [:]
                    } else {
                        o.topNGrams = [:]
                        o.dupNGrams = [n - 1: 1, n: threshold]
                    }
                    let expected: StageVerdict = isTop && topChars(w, n) == nil ? .keep
                        : (measured > threshold ? .drop(reason: isTop ? "top_\(n)_gram" : "duplicated_\(n)_n_grams") : .keep)
                    #expect(run(GopherRepetitionFilter(options: o), text).verdict == expected, "n=\(n) \(text)")
                    checked += 1
                }
            }
        }
        #expect(checked == 1500)
    }
}
