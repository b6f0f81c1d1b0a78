// uchardet (Debian libuchardet-dev): Mozilla's universal charset detector, C API.
#include <uchardet.h>
