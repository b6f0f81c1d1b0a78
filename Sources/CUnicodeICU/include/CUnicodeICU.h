// Plain C wrappers over ICU's C API. ICU renames its functions with its version (unorm2_normalize ->
// unorm2_normalize_72) through macros that Swift cannot import, so Swift calls these instead.
#ifndef CUNICODEICU_H
#define CUNICODEICU_H
#include <stdint.h>

/// Writes ICU's Unicode version (major, minor, micro, patch) into `out`.
void dficu_unicode_version(uint8_t out[4]);

/// Normalizes UTF-16 `src` to NFC (`form` 0) or NFKC (`form` 1) into `dst`. Returns the length of the result
/// (which may exceed `capacity`: then call again with more room); sets `*failed` to 1 on an ICU error.
int32_t dficu_normalize(int form, const uint16_t *src, int32_t length, uint16_t *dst, int32_t capacity, int *failed);

/// The length of the prefix of UTF-16 `src` that is certainly in NFC (`form` 0) or NFKC (`form` 1) by ICU's quick
/// check (`unorm2_spanQuickCheckYes`): when it is `length`, normalizing leaves the text unchanged. -1 on an ICU error.
int32_t dficu_normalized_span(int form, const uint16_t *src, int32_t length);

/// ICU's general category of `cp` (UCharCategory: 0 unassigned, 1-5 letters, 9-11 numbers, ...).
int32_t dficu_char_type(int32_t cp);

/// 1 when `cp` has the Unicode property White_Space, else 0.
int dficu_is_white_space(int32_t cp);

/// 1 when `cp` has the Unicode property Alphabetic, else 0.
int dficu_is_alphabetic(int32_t cp);

#endif
