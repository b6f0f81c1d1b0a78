import Testing
@testable import Retrieval

@Suite("Chunker: words, sentences, tokens, overlap")
struct ChunkerTests {
    @Test("Words with overlap: each chunk repeats the last word of the one before")
    func words() {
        let c = Chunker(settings: ChunkSettings(unit: .words, size: 4, overlap: 1))
        let chunks = c.chunks(of: "  one two three four five six seven eight nine\n")
        #expect(chunks.map(\.text) == ["one two three four", "four five six seven", "seven eight nine"])
        #expect(chunks.map(\.ordinal) == [0, 1, 2])
        #expect(chunks.map(\.start) == [2, 16, 30])
        #expect(c.chunks(of: " \n\t ").isEmpty)
    }

    @Test("Sentences: split at . ! ? before whitespace, at 。！？ and at line breaks")
    func sentences() {
        let c = Chunker(settings: ChunkSettings(unit: .sentences, size: 2, overlap: 1))
        #expect(c.chunks(of: "A b. C d! E f?\nG h。I j").map(\.text) == ["A b. C d!", "C d! E f?", "E f?\nG h。", "G h。I j"])
        #expect(c.chunks(of: "Version 2.5 is out. Yes").map(\.text) == ["Version 2.5 is out. Yes"])
    }

    @Test("Chinese words are ICU words; punctuation weighs nothing")
    func chineseWords() {
        let c = Chunker(settings: ChunkSettings(unit: .words, size: 2, overlap: 0))
        #expect(c.chunks(of: "我们去北京。").map(\.text) == ["我们去", "北京。"])
    }

    @Test("Tokens: words weigh their token count, chunks stay on word boundaries")
    func tokens() {
        // A stand-in tokenizer: one token per two bytes, rounded up (a leading space counts).
        let c = Chunker(settings: ChunkSettings(unit: .tokens, size: 4, overlap: 1, tokenizerFingerprint: "t"),
                        tokenCount: { ($0.utf8.count + 1) / 2 })
        // Weights: "ab" 1, " cdef" 3, " g" 1, " hijk" 3.
        #expect(c.chunks(of: "ab cdef g hijk").map(\.text) == ["ab cdef", "g hijk"])
        #expect(throws: RetrievalError.self) { try ChunkSettings(unit: .tokens, size: 4, overlap: 1).validate() }
    }
}
