#include <zlib.h>
static inline int cz_inflateInit2(z_streamp strm, int windowBits) { return inflateInit2(strm, windowBits); }
