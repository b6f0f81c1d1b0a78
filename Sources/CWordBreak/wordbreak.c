#include "CWordBreak.h"
#include <stdlib.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>

struct DFWordBreaker {
    UBreakIterator *iterator;
    UText *text;
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
    free(b);
}

int32_t dfwb_set_text(DFWordBreaker *b, const char *utf8, int64_t length) {
    UErrorCode status = U_ZERO_ERROR;
    if (utf8 == NULL) { utf8 = ""; length = 0; }
    b->text = utext_openUTF8(b->text, utf8, length, &status);
    if (U_FAILURE(status)) return (int32_t)status;
    ubrk_setUText(b->iterator, b->text, &status);
    if (U_FAILURE(status)) return (int32_t)status;
    ubrk_first(b->iterator);
    return 0;
}

int64_t dfwb_next(DFWordBreaker *b, int32_t *rule_status) {
    int32_t next = ubrk_next(b->iterator);
    if (next == UBRK_DONE) return -1;
    if (rule_status != NULL) *rule_status = ubrk_getRuleStatus(b->iterator);
    return next;
}
