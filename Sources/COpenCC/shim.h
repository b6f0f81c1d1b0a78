// OpenCC (Debian libopencc-dev): Traditional <-> Simplified Chinese conversion, C API.
#include <opencc.h>
