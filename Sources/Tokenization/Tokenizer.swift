import DomainForgeCore
// Stub: byte-level BPE tokenizer (load tokenizer.json, encode, decode, train, extend).
