import Testing
import Foundation
@testable import Tokenization

/// Pathological inputs at test-friendly sizes (the benchmark runs 10-50 MB versions and reports time and memory).
@Suite struct PathologicalTests {
    static func gpt2() throws -> (BPETokenizer, String) {
        let dir = try #require(TestEnv.gpt2Dir)
        return (try BPETokenizer.load(path: dir), dir)
    }

    static func cases() -> [(String, String)] {
        var rng: UInt64 = 42
        func r() -> UInt64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
        var bytes = [UInt8](repeating: 0, count: 200_000)
        for k in 0..<bytes.count { bytes[k] = UInt8(truncatingIfNeeded: r()) }
        let letters = Array("abcXYZ0123456789.,;:-_/=+éß中".unicodeScalars)
        var mixed = String.UnicodeScalarView()
        for _ in 0..<100_000 { mixed.append(letters[Int(r() % UInt64(letters.count))]) }
        return [
            ("long line of letters", String(repeating: "abcdefghijklmnopqrstuvwxyz", count: 8000)),
            ("long line mixed, no spaces", String(mixed)),
            ("whitespace", String(repeating: " ", count: 200_000)),
            ("mixed whitespace", String(repeating: " \t \n\r\n  \u{3000}", count: 20_000)),
            ("random bytes", String(decoding: bytes, as: UTF8.self)),
            ("one character", String(repeating: "a", count: 200_000)),
            ("one CJK character", String(repeating: "中", count: 60_000)),
            ("punctuation run", String(repeating: "!", count: 200_000)),
        ]
    }

    @Test(.enabled(if: TestEnv.gpt2Dir != nil, TestEnv.needsSharedData)) func roundTrip() throws {
        let (tok, _) = try Self.gpt2()
        for (name, s) in Self.cases() {
            let ids = tok.encode(s)
            #expect(tok.decode(ids) == s, "\(name)")
            #expect(ids.count <= s.utf8.count, "\(name)")
        }
    }

    @Test(.enabled(if: TestEnv.gpt2Dir != nil, TestEnv.needsSharedData), .enabled(if: TestEnv.hasHFTokenizers, "needs Python with the tokenizers package"))
    func hfParity() throws {
        let (tok, dir) = try Self.gpt2()
        try expectParity(tok, dir, Self.cases().map { $0.1 }, label: "pathological")
    }

    /// The O(n log n) heap merge and the quadratic scan agree on long random words.
    @Test(.enabled(if: TestEnv.gpt2Dir != nil, TestEnv.needsSharedData)) func heapMergeMatchesScan() throws {
        let (tok, _) = try Self.gpt2()
        var g = FuzzText(seed: 9)
        let alphabet = Array("aaabbbcdeeeefghiiijklmnooopqrstuuvwxyz ".utf8)
        for _ in 0..<80 {
            let n = Int(g.next() % 260) + 1
            let w = (0..<n).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] }
            var a = [UInt32](), b = [UInt32]()
            w.withUnsafeBufferPointer { p in
                tok.model.mergeWordHeap(p.baseAddress!, n, into: &a)
                tok.model.mergeWordScan(p.baseAddress!, n, into: &b)
            }
            #expect(a == b)
        }
    }

    /// Doubling the input roughly doubles the time (generous bound; catches quadratic behaviour, not noise).
    @Test(.enabled(if: TestEnv.gpt2Dir != nil, TestEnv.needsSharedData)) func linearTimeOnLongWords() throws {
        let (tok, _) = try Self.gpt2()
        func time(_ s: String) -> Double {
            let t0 = Date(); _ = tok.encode(s); return Date().timeIntervalSince(t0)
        }
        let small = String(repeating: "xyzzy", count: 40_000), big = String(repeating: "xyzzy", count: 160_000)
        _ = time(small)
        let ts = time(small), tb = time(big)
        #expect(tb < ts * 12 + 0.05, "4x input took \(tb / max(ts, 1e-9))x time")
    }
}
