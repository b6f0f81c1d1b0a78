#include "CUnicodeICU.h"
#include <unicode/utypes.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>

void dficu_unicode_version(uint8_t out[4]) {
    UVersionInfo v;
    u_getUnicodeVersion(v);
    for (int i = 0; i < 4; i++) out[i] = v[i];
}

int32_t dficu_normalize(int form, const uint16_t *src, int32_t length, uint16_t *dst, int32_t capacity, int *failed) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *n = form == 0 ? unorm2_getNFCInstance(&status) : unorm2_getNFKCInstance(&status);
    if (U_FAILURE(status)) { *failed = 1; return 0; }
    int32_t len = unorm2_normalize(n, (const UChar *)src, length, (UChar *)dst, capacity, &status);
    *failed = (U_FAILURE(status) && status != U_BUFFER_OVERFLOW_ERROR) ? 1 : 0;
    return len;
}

int32_t dficu_normalized_span(int form, const uint16_t *src, int32_t length) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *n = form == 0 ? unorm2_getNFCInstance(&status) : unorm2_getNFKCInstance(&status);
    if (U_FAILURE(status)) { return -1; }
    int32_t span = unorm2_spanQuickCheckYes(n, (const UChar *)src, length, &status);
    return U_FAILURE(status) ? -1 : span;
}

int32_t dficu_char_type(int32_t cp) { return (int32_t)u_charType(cp); }

int dficu_is_white_space(int32_t cp) { return u_hasBinaryProperty(cp, UCHAR_WHITE_SPACE) ? 1 : 0; }

int dficu_is_alphabetic(int32_t cp) { return u_hasBinaryProperty(cp, UCHAR_ALPHABETIC) ? 1 : 0; }
