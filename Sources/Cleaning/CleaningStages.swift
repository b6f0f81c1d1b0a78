import DomainForgeCore
// Stub: the cleaning stages (normalize, c4_lines, length, gopher_quality, gopher_repetition, c4_document, fineweb, pii)
// live in this module, one type per file.
