/* Text from outside (a registry, an image, a file) as error messages may
 * repeat it: one line, no terminal escapes. */
#ifndef CTOOL_QUOTE_H
#define CTOOL_QUOTE_H

#include <stddef.h>

/* S with printable ASCII kept and every other byte (and '\') as \xNN; cut
 * after MAX bytes of S, with "..." (SIZE_MAX: never cut). NULL gives "". */
char *quote_untrusted(const char *s, size_t max);

#endif
