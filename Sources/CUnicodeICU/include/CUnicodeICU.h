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

/// ICU's general category of `cp` (UCharCategory: 0 unassigned, 1-5 letters, 9-11 numbers, ...).
int32_t dficu_char_type(int32_t cp);

/// 1 when `cp` has the Unicode property White_Space, else 0.
int dficu_is_white_space(int32_t cp);

/// 1 when `cp` has the Unicode property Alphabetic, else 0.
int dficu_is_alphabetic(int32_t cp);

/// Splits UTF-16 `text` at ICU word boundaries (UBRK_WORD, root locale: dictionary-based for Chinese, Japanese,
/// Thai). Writes up to `capacity` segment ends (UTF-16 offsets) to `ends` and their rule status to `statuses`
/// (>= 100 for words: numbers 100-199, letters 200-299, kana 300-399, ideographs 400-499; < 100 for spaces and
/// punctuation). Returns the number of segments, or -1 on an ICU error.
int32_t dficu_word_segments(const uint16_t *text, int32_t length, int32_t *ends, int32_t *statuses, int32_t capacity);

#endif
