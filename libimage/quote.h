/* Text from outside (a registry, an image, a file) as error messages may
 * repeat it: one line, no terminal escapes. */
#ifndef CTOOL_QUOTE_H
#define CTOOL_QUOTE_H

#include <stddef.h>

#include "error.h"

/* S with printable ASCII kept and every other byte (and '\') as \xNN; cut
 * after MAX bytes of S, with "..." (SIZE_MAX: never cut). NULL gives "". */
char *quote_untrusted(const char *s, size_t max);
/* Control characters (C0 and DEL) in the message of *ERR as \xNN, the rest
 * kept: for errors built in many places that repeat outside text (a tar's
 * names, a config file's keys). */
void quote_error_message(ctool_error_t *err);

#endif
