#include "CWordBreak.h"
#include <stdlib.h>
#include <unicode/ubrk.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>

// The text is handed to ICU as UTF-16 when it converts cleanly: ICU's dictionary engine (Chinese, Japanese, Thai,
// ...) then reads the text in place, where a UTF-8 UText makes it copy each range into a UnicodeString with an
// index map (about a fifth of ICU's time on Chinese text). Boundaries come back as UTF-16 indices and are walked
// forward to UTF-8 byte offsets. Text with invalid UTF-8 keeps the UTF-8 UText, which ICU reads with substitutions.
struct DFWordBreaker {
    UBreakIterator *iterator;
    UText *text;
    UChar *units;          // the UTF-16 copy (capacity `capacity` units), when `utf16` is set
    int64_t capacity;
    const uint8_t *utf8;   // the caller's bytes, for mapping boundaries back
    int utf16;
    int32_t unitPosition;  // the last boundary, in UTF-16 units ...
    int64_t bytePosition;  // ... and in UTF-8 bytes
};

DFWordBreaker *dfwb_create(void) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *it = ubrk_open(UBRK_WORD, "", NULL, 0, &status);
    if (U_FAILURE(status) || it == NULL) return NULL;
    DFWordBreaker *b = calloc(1, sizeof(DFWordBreaker));
    if (b == NULL) { ubrk_close(it); return NULL; }
    b->iterator = it;
    return b;
}

void dfwb_destroy(DFWordBreaker *b) {
    if (b == NULL) return;
    if (b->text != NULL) utext_close(b->text);
    ubrk_close(b->iterator);
    free(b->units);
    free(b);
}

/// Converts `utf8` into the breaker's UTF-16 buffer; 0 when the bytes are not valid UTF-8 (or too long for ICU's
/// 32-bit indices, or memory is short).
static int to_utf16(DFWordBreaker *b, const char *utf8, int64_t length, int32_t *units) {
    if (length >= INT32_MAX) return 0;
    if (b->capacity < length + 1) {
        UChar *grown = realloc(b->units, (size_t)(length + 1) * sizeof(UChar));
        if (grown == NULL) return 0;
        b->units = grown;
        b->capacity = length + 1;
    }
    UErrorCode status = U_ZERO_ERROR;
    u_strFromUTF8(b->units, (int32_t)b->capacity, units, utf8, (int32_t)length, &status);
    return U_SUCCESS(status);
}

int32_t dfwb_set_text(DFWordBreaker *b, const char *utf8, int64_t length) {
    return dfwb_set_text_mode(b, utf8, length, 0);
}

int32_t dfwb_set_text_mode(DFWordBreaker *b, const char *utf8, int64_t length, int32_t force_utf8) {
    UErrorCode status = U_ZERO_ERROR;
    if (utf8 == NULL) {
        utf8 = "";
        length = 0;
        // A pooled breaker keeps a copy of at most 4 Mi units (8 MiB) between texts, not that of the largest one.
        // (The iterator is pointed at the empty UTF-8 text below, before anything reads it again.)
        if (b->capacity > ((int64_t)1 << 22)) {
            free(b->units);
            b->units = NULL;
            b->capacity = 0;
        }
    }
    b->utf8 = (const uint8_t *)utf8;
    b->unitPosition = 0;
    b->bytePosition = 0;
    int32_t units = 0;
    b->utf16 = !force_utf8 && length > 0 && to_utf16(b, utf8, length, &units);
    if (b->utf16) {
        ubrk_setText(b->iterator, b->units, units, &status);
    } else {
        b->text = utext_openUTF8(b->text, utf8, length, &status);
        if (U_FAILURE(status)) return (int32_t)status;
        ubrk_setUText(b->iterator, b->text, &status);
    }
    if (U_FAILURE(status)) return (int32_t)status;
    ubrk_first(b->iterator);
    return 0;
}

/// The UTF-8 byte offset of the UTF-16 index `target` (a boundary at or after the last one): one unit per scalar
/// of one to three bytes, two for a four-byte scalar.
static int64_t byte_offset(DFWordBreaker *b, int32_t target) {
    const uint8_t *p = b->utf8;
    int32_t u = b->unitPosition;
    int64_t i = b->bytePosition;
    while (u < target) {
        uint8_t lead = p[i];
        if (lead < 0x80) { i += 1; u += 1; }
        else if (lead < 0xE0) { i += 2; u += 1; }
        else if (lead < 0xF0) { i += 3; u += 1; }
        else { i += 4; u += 2; }
    }
    b->unitPosition = u;
    b->bytePosition = i;
    return i;
}

int64_t dfwb_next(DFWordBreaker *b, int32_t *rule_status) {
    int32_t next = ubrk_next(b->iterator);
    if (next == UBRK_DONE) return -1;
    if (rule_status != NULL) *rule_status = ubrk_getRuleStatus(b->iterator);
    return b->utf16 ? byte_offset(b, next) : next;
}
