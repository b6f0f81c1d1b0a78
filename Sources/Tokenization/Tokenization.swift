// Tokenization: byte-level BPE tokenizers whose ids match Hugging Face `tokenizers`.
//
// Public API (see the doc comments on each type):
//
//   BPETokenizer (final class, Sendable, immutable; share one instance across threads)
//     static func load(path: String) throws(TokenizerError) -> BPETokenizer
//         tokenizer.json, GPT-2 vocab.json (+ merges.txt beside it), or a directory holding either
//     static func load(vocabPath: String, mergesPath: String) throws(TokenizerError) -> BPETokenizer
//     convenience init(tokenizerJSON: [UInt8], path: String = "tokenizer.json") throws(TokenizerError)
//     func encode(_ text: String, addSpecialTokens: Bool = true, splitSpecialTokens: Bool = false) -> [UInt32]
//     func encode(_ text: String, into: inout [UInt32], addSpecialTokens:splitSpecialTokens:)
//     func encodeBatch(_ texts: [String], threads: Int = 0, addSpecialTokens:splitSpecialTokens:) -> [[UInt32]]
//     func decode(_ ids: [UInt32], skipSpecialTokens: Bool = false) -> String
//     func decodeBytes(_ ids: [UInt32], skipSpecialTokens: Bool = false) -> [UInt8]
//     var vocabSize: Int                 max id + 1 (embedding rows)
//     func specialTokenId(_ content: String) -> UInt32?     e.g. "<|endoftext|>"
//     func tokenId(_ token: String) -> UInt32?, func token(for id: UInt32) -> String?
//     var fingerprint: String            SHA-256 of the canonical vocab, merges, added tokens, pre-tokenizer, normalizer
//     func tokenizerJSON() -> [UInt8], func save(path: String) throws(TokenizerError)
//
//   BPETrainer(options: BPETrainerOptions)  — HF BpeTrainer-identical training
//     feed(_ text: String)  (one document), feedFile(path:) (one sequence per line, as HF train(files)), train()
//
//   VocabularyExtender.extend(base:domain:general:options:) -> (BPETokenizer, VocabularyExtensionReport)
//     report.newTokenMapJSON(baseVocabSize:) — new id -> base pieces (embedding init as their mean)
//
//   TokenizeStage: DocumentStage — writes metadata["token_ids"] / ["num_tokens"] per document
//
//   TokenizerError — typed errors whose messages say what to do (unsupportedModel names e.g. "WordPiece")
//
// Supported: model BPE with ByteLevel pre-tokenizer (GPT-2 regex) or Split(regex)+ByteLevel; built-in state machines
// for the GPT-2, cl100k / Llama-3 and Qwen2 regexes (Unicode 14.0 classes, as Oniguruma 6.9.8 in HF tokenizers),
// an ICU fallback for other Split regexes and Sequences of several Splits (slower); normalizers none / NFC / NFKC; added tokens (lstrip, rstrip,
// single_word, normalized); ignore_merges; TemplateProcessing post-processor (prefix/suffix ids).
// Not supported (rejected with a TokenizerError): WordPiece, Unigram, WordLevel, Metaspace / byte_fallback BPE,
// BPE dropout, continuing_subword_prefix, other normalizers and pre-tokenizers (Digits, Metaspace, literal Split).

/// The Unicode version of the pre-tokenizer character classes.
public let tokenizationUnicodeVersion = unicodeClassVersion
