// A small C layer over ICU's word break iterator (ubrk.h). ICU's headers rename every function with its version
// (ubrk_open -> ubrk_open_72) through macros Swift cannot import, so Swift calls these wrappers instead.
#ifndef CWORDBREAK_H
#define CWORDBREAK_H
#include <stdint.h>

/// One word break iterator with its text (a UTF-16 copy when the UTF-8 is valid); not thread-safe (use one per thread).
typedef struct DFWordBreaker DFWordBreaker;

/// A new word break iterator (root locale: dictionaries for Chinese, Japanese, Thai, Khmer, Lao and Burmese are
/// chosen by script), or NULL when ICU cannot open one (missing ICU data).
DFWordBreaker *dfwb_create(void);

/// Frees the iterator and its text.
void dfwb_destroy(DFWordBreaker *breaker);

/// Sets the UTF-8 text to segment (not copied: it must stay alive while iterating). Returns 0, or ICU's error code.
int32_t dfwb_set_text(DFWordBreaker *breaker, const char *utf8, int64_t length);

/// `dfwb_set_text`, with `force_utf8` non-zero keeping ICU on the UTF-8 text (the path of invalid UTF-8) instead of
/// a UTF-16 copy: tests compare the two.
int32_t dfwb_set_text_mode(DFWordBreaker *breaker, const char *utf8, int64_t length, int32_t force_utf8);

/// The next boundary as a byte offset, or -1 at the end; `rule_status` receives ubrk_getRuleStatus of the segment
/// that ends there (0-99 none/punctuation/space, 100-199 number, 200-299 letter, 300-399 kana, 400-499 ideographic).
int64_t dfwb_next(DFWordBreaker *breaker, int32_t *rule_status);

#endif
