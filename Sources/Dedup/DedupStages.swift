import DomainForgeCore
// Stub: deduplication and decontamination stages (exact, MinHash LSH, repeated lines, eval n-grams).
