import DomainForgeCore
import Segmentation
import Foundation

/// Options for ``VocabularyExtender``.
public struct VocabularyExtensionOptions: Sendable {
    /// At most this many new ids (whole terms plus the intermediate prefixes their merges need).
    public var maxNewTokens: Int
    /// A term must occur at least this often in the domain corpus.
    public var minFrequency: Int
    /// A term must split into at least this many base tokens.
    public var minPieces: Int
    /// Terms longer than this many bytes are ignored.
    public var maxTermBytes: Int
    /// A term must contain at least this many letters (words of space-separated scripts).
    public var minLetters: Int
    /// A word of a script written without spaces (Chinese, Japanese, Thai, ...) must have at least this many
    /// characters.
    public var minSpacelessCharacters: Int

    public init(maxNewTokens: Int = 1000, minFrequency: Int = 20, minPieces: Int = 3, maxTermBytes: Int = 32, minLetters: Int = 4,
                minSpacelessCharacters: Int = 2) {
        self.maxNewTokens = maxNewTokens; self.minFrequency = minFrequency; self.minPieces = minPieces
        self.maxTermBytes = maxTermBytes; self.minLetters = minLetters; self.minSpacelessCharacters = minSpacelessCharacters
    }
}

/// One id added by vocabulary extension.
public struct NewToken: Sendable, Equatable {
    /// The new id (after all base ids).
    public var id: UInt32
    /// Its vocabulary string (byte-level form, e.g. "Ġmetformin").
    public var token: String
    /// Its text.
    public var text: String
    /// The base tokenizer's ids for the same bytes: initialize the new embedding as their mean.
    public var pieces: [UInt32]
    /// True for a selected domain term; false for an intermediate prefix that the term's merges pass through.
    public var isTerm: Bool
}

/// Tokens per unit of text: per character for scripts written without spaces (Chinese, Japanese, Thai, ...), per
/// whitespace-separated word otherwise. Mixed text counts both units.
public struct Fertility: Sendable, Equatable {
    /// Whitespace-separated words outside spaceless scripts.
    public var words: Int
    /// Characters of spaceless scripts.
    public var characters: Int
    /// Tokens of the texts (without special tokens).
    public var tokens: Int
    /// Tokens per unit (word or spaceless-script character).
    public var value: Double { words + characters == 0 ? 0 : Double(tokens) / Double(words + characters) }
    /// "character" when spaceless-script characters outnumber words, else "word".
    public var unit: String { characters > words ? "character" : "word" }

    /// Counts as measured by ``VocabularyExtender/fertility(_:_:)``.
    public init(words: Int, characters: Int = 0, tokens: Int) {
        self.words = words; self.characters = characters; self.tokens = tokens
    }
}

/// What ``VocabularyExtender/extend(base:domain:general:options:)`` did.
public struct VocabularyExtensionReport: Sendable {
    public var newTokens: [NewToken]
    /// Selected terms with their domain frequency and base piece count.
    public var terms: [(text: String, frequency: Int, basePieces: Int)]
    public var domainBefore: Fertility, domainAfter: Fertility
    public var generalBefore: Fertility, generalAfter: Fertility

    /// `{"base_vocab_size":..,"new_tokens":[{"id":..,"token":..,"text":..,"pieces":[..],"term":true}, ...]}`: the map of
    /// new ids to the base pieces that the trainer averages to initialize embeddings.
    public func newTokenMapJSON(baseVocabSize: Int) -> [UInt8] {
        var o = [UInt8]()
        o.append(contentsOf: "{\"base_vocab_size\": \(baseVocabSize), \"new_tokens\": [".utf8)
        for (k, t) in newTokens.enumerated() {
            o.append(contentsOf: (k == 0 ? "\n  " : ",\n  ").utf8)
            o.append(contentsOf: "{\"id\": \(t.id), \"token\": ".utf8); JSONWriter.writeString(t.token, into: &o)
            o.append(contentsOf: ", \"text\": ".utf8); JSONWriter.writeString(t.text, into: &o)
            o.append(contentsOf: ", \"pieces\": [\(t.pieces.map(String.init).joined(separator: ", "))], \"term\": \(t.isTerm)}".utf8)
        }
        o.append(contentsOf: "\n]}\n".utf8)
        return o
    }

    /// A human-readable summary.
    public var summary: String {
        func f(_ x: Fertility) -> String {
            String(format: "%.4f", x.value) + " tokens per \(x.unit) (\(x.tokens) tokens / \(x.characters) spaceless-script characters + \(x.words) words)"
        }
        return """
        new ids: \(newTokens.count) (\(terms.count) domain terms, \(newTokens.count - terms.count) intermediate prefixes)
        fertility domain:  before \(f(domainBefore))  after \(f(domainAfter))
        fertility general: before \(f(generalBefore))  after \(f(generalAfter))
        """
    }
}

/// Domain vocabulary extension: finds frequent domain words that the base tokenizer splits into many pieces and
/// appends merges (ranked after all base merges) so that each becomes one token. Base ids are unchanged, so the
/// base embeddings stay valid; text the new merges do not touch encodes exactly as before. The result is an
/// ordinary tokenizer.json that HF `tokenizers` loads and encodes identically.
public enum VocabularyExtender {
    struct Cand { var bytes: [UInt8]; var count: Int; var pieces: [UInt32] }

    /// Words of the domain corpus with their counts: the pre-tokenizer's words, except that pre-tokens holding a
    /// script written without spaces (Chinese, Japanese, Thai, ...) are split into ICU words, so that terms are
    /// whole words rather than the phrase runs between punctuation.
    static func candidateWords(_ domain: [String], _ opts: BPETrainerOptions) -> [(bytes: [UInt8], count: Int)] {
        var map = ByteStringMap(capacity: 1 << 15)
        var counts = [Int64]()
        for d in domain {
            var s = d
            s.withUTF8 { b in if let p = b.baseAddress, b.count > 0 { BPETrainer.countSequence(opts, p, b.count, map: &map, counts: &counts) } }
        }
        var merged = [[UInt8]: Int]()
        for e in 0..<map.count {
            let w = Array(map.key(e))
            guard let text = String(validating: w, as: UTF8.self) else { continue }
            if WordSegmenter.hasSpacelessScript(text) {
                for seg in WordSegmenter.words(of: text) { merged[Array(seg.utf8), default: 0] += Int(counts[e]) }
            } else {
                merged[w, default: 0] += Int(counts[e])
            }
        }
        return merged.map { ($0.key, $0.value) }.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }

    /// Whether `w` can be a term: whole UTF-8 characters, letters and digits only (after an optional leading space),
    /// enough letters (or spaceless-script characters), at most `maxTermBytes` bytes.
    static func isTermShaped(_ w: [UInt8], _ options: VocabularyExtensionOptions) -> Bool {
        guard w.count <= options.maxTermBytes, let text = String(validating: w, as: UTF8.self) else { return false }
        let table = UnicodeClassTable.shared.table
        var letters = 0, spaceless = 0
        for (k, u) in text.unicodeScalars.enumerated() {
            let c = table[Int(u.value)]
            if k == 0 && u.value == 0x20 { continue }
            guard c == CharClass.letter || c == CharClass.number else { return false }
            if c == CharClass.letter { letters += 1 }
            if WordSegmenter.isSpaceless(u.value) { spaceless += 1 }
        }
        return spaceless > 0 ? spaceless >= options.minSpacelessCharacters : letters >= options.minLetters
    }

    /// Extends `base` with terms from `domain`; measures fertility on `domain` and `general` before and after.
    public static func extend(base: BPETokenizer, domain: [String], general: [String],
                              options: VocabularyExtensionOptions = VocabularyExtensionOptions()) throws(TokenizerError) -> (BPETokenizer, VocabularyExtensionReport) {
        guard let pattern = base.pattern else { throw .invalidArgument("the base tokenizer has no pre-tokenizer regex; cannot find words") }
        let words = candidateWords(domain, BPETrainerOptions(pattern: pattern, normalization: base.normalization))
        var cands = [Cand]()
        for (w, count) in words where count >= options.minFrequency && isTermShaped(w, options) {
            var pieces = [UInt32]()
            w.withUnsafeBufferPointer { base.model.mergeWord($0.baseAddress!, $0.count, into: &pieces) }
            if pieces.count >= options.minPieces { cands.append(Cand(bytes: w, count: count, pieces: pieces)) }
        }
        // Rank by tokens saved per new id (a term of k pieces saves k - 1 tokens per occurrence and needs one id
        // per merge-tree node that the base vocabulary lacks).
        var ratio = [Double](repeating: 0, count: cands.count)
        for (k, c) in cands.enumerated() {
            let steps = mergePlan(c.pieces.map { base.model.tokenBytes[Int($0)] }) { base.model.vocab.find($0) >= 0 }
            let cost = max(1, steps.filter { base.model.vocab.find($0.bytes) < 0 }.count)
            ratio[k] = Double(c.count * (c.pieces.count - 1)) / Double(cost)
        }
        let order = cands.indices.sorted { a, b in
            ratio[a] != ratio[b] ? ratio[a] > ratio[b] : cands[a].bytes.lexicographicallyPrecedes(cands[b].bytes)
        }
        cands = order.map { cands[$0] }
        var selected = [Cand]()
        var budgetUsed = 0
        var planned = Set<[UInt8]>()
        for c in cands {
            let pieceBytes = c.pieces.map { base.model.tokenBytes[Int($0)] }
            let steps = mergePlan(pieceBytes) { base.model.vocab.find($0) >= 0 || planned.contains($0) }
            let fresh = steps.filter { base.model.vocab.find($0.bytes) < 0 && !planned.contains($0.bytes) }
            if budgetUsed + fresh.count > options.maxNewTokens { continue }
            for f in fresh { planned.insert(f.bytes) }
            budgetUsed += fresh.count
            selected.append(c)
        }
        // Build, check that every selected term becomes one token, drop the ones another chain breaks, repeat.
        var result: BPETokenizer = base
        var newTokens = [NewToken]()
        for _ in 0..<6 {
            (result, newTokens) = try build(base: base, terms: selected.map { ($0.bytes, $0.pieces) })
            var keep = [Cand]()
            for c in selected {
                var out = [UInt32]()
                c.bytes.withUnsafeBufferPointer { result.model.encodeWord($0.baseAddress!, $0.count, into: &out) }
                if out.count == 1 { keep.append(c) }
            }
            if keep.count == selected.count { break }
            selected = keep
        }
        let before = (fertility(base, domain), fertility(base, general))
        let after = (fertility(result, domain), fertility(result, general))
        let report = VocabularyExtensionReport(
            newTokens: newTokens,
            terms: selected.map { (String(decoding: $0.bytes, as: UTF8.self), $0.count, $0.pieces.count) },
            domainBefore: before.0, domainAfter: after.0, generalBefore: before.1, generalAfter: after.1)
        return (result, report)
    }

    /// Tokens per unit over `texts`: spaceless-script characters (Chinese, Japanese, Thai, ...) and, elsewhere,
    /// whitespace-separated words. CJK punctuation and spaces count as neither.
    public static func fertility(_ tok: BPETokenizer, _ texts: [String]) -> Fertility {
        var f = Fertility(words: 0, characters: 0, tokens: 0)
        for t in texts {
            f.tokens += tok.encode(t, addSpecialTokens: false, splitSpecialTokens: true).count
            var inWord = false
            for u in t.unicodeScalars {
                let v = u.value
                if WordSegmenter.isSpaceless(v) { f.characters += 1; inWord = false; continue }
                let separator = u.properties.isWhitespace || (0x3000...0x303F).contains(v) || (0xFF00...0xFF0F).contains(v)
                    || (0xFF1A...0xFF20).contains(v)
                if !separator && !inWord { f.words += 1 }
                inWord = !separator
            }
        }
        return f
    }

    /// The cheapest binary merge tree over a term's base pieces: every internal node is a merge; nodes whose bytes
    /// `known` already has cost nothing. Returns merges in an order where children precede parents.
    static func mergePlan(_ pieces: [[UInt8]], known: ([UInt8]) -> Bool) -> [(left: [UInt8], right: [UInt8], bytes: [UInt8])] {
        let k = pieces.count
        if k < 2 { return [] }
        var cost = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        var split = [[Int]](repeating: [Int](repeating: -1, count: k), count: k)
        func bytes(_ i: Int, _ j: Int) -> [UInt8] { pieces[i...j].reduce(into: [UInt8]()) { $0 += $1 } }
        for len in 2...k {
            for i in 0...(k - len) {
                let j = i + len - 1
                var best = Int.max, arg = i
                for m in i..<j {
                    let c = cost[i][m] + cost[m + 1][j]
                    if c < best { best = c; arg = m }
                }
                cost[i][j] = best + (len == k || !known(bytes(i, j)) ? 1 : 0)
                split[i][j] = arg
            }
        }
        var out = [(left: [UInt8], right: [UInt8], bytes: [UInt8])]()
        func emit(_ i: Int, _ j: Int) {
            if i == j { return }
            let m = split[i][j]
            emit(i, m); emit(m + 1, j)
            out.append((bytes(i, m), bytes(m + 1, j), bytes(i, j)))
        }
        emit(0, k - 1)
        return out
    }

    static func build(base: BPETokenizer, terms: [([UInt8], [UInt32])]) throws(TokenizerError) -> (BPETokenizer, [NewToken]) {
        var tokenBytes = base.model.tokenBytes
        var tokenStrings = base.tokenStrings
        while tokenBytes.count < base.vocabSize { tokenBytes.append([]); tokenStrings.append("") }
        var merges = base.model.mergeList
        var mergeKeys = Set<UInt64>(merges.map { PairMap.key($0.0, $0.1) })
        var idOf = [[UInt8]: UInt32]()
        var newTokens = [NewToken]()
        let termSet = Set(terms.map { $0.0 })
        for (_, pieces) in terms {
            let pieceBytes = pieces.map { base.model.tokenBytes[Int($0)] }
            let steps = mergePlan(pieceBytes) { base.model.vocab.find($0) >= 0 || idOf[$0] != nil }
            func idFor(_ b: [UInt8]) -> UInt32 {
                if let v = base.model.vocab.value(b) { return UInt32(v) }
                if let v = idOf[b] { return v }
                let id = UInt32(tokenBytes.count)
                idOf[b] = id
                tokenBytes.append(b)
                let s = ByteLevel.encode(b)
                tokenStrings.append(s)
                var basePieces = [UInt32]()
                b.withUnsafeBufferPointer { base.model.mergeWord($0.baseAddress!, $0.count, into: &basePieces) }
                newTokens.append(NewToken(id: id, token: s, text: String(decoding: b, as: UTF8.self), pieces: basePieces,
                                          isTerm: termSet.contains(b)))
                return id
            }
            for st in steps {
                let l = idFor(st.left), r = idFor(st.right)
                _ = idFor(st.bytes)
                let k = PairMap.key(l, r)
                if !mergeKeys.contains(k) { merges.append((l, r)); mergeKeys.insert(k) }
            }
        }
        // New merges rank after every base merge (also when the base ranks pairs by the token they make).
        let ranks = base.model.pairRanks.map { r in
            r + (0..<(merges.count - r.count)).map { UInt32(r.count + $0) + (r.max() ?? 0) + 1 }
        }
        let model = try BPEModel(tokenBytes: tokenBytes, mergeList: merges, ignoreMerges: base.model.ignoreMerges, pairRanks: ranks)
        let tok = BPETokenizer(model: model, tokenStrings: tokenStrings, pattern: base.pattern, addPrefixSpace: base.addPrefixSpace,
                               normalization: base.normalization, addedTokens: base.addedTokens, prefixIds: base.prefixIds,
                               suffixIds: base.suffixIds, postProcessorJSON: base.postProcessorJSON, regexSplitter: base.regexSplitter)
        return (tok, newTokens)
    }
}
