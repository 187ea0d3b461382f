/* Text from outside (a registry, an image, a file) as error messages may
 * repeat it: one line, no terminal escapes. */
#ifndef CTOOL_QUOTE_H
#define CTOOL_QUOTE_H

#include <stddef.h>

#include "error.h"

/* S with printable ASCII kept and every other byte (and '\') as \xNN; cut
 * after MAX bytes of S, with "..." (SIZE_MAX: never cut). NULL gives "". */
char *quote_untrusted(const char *s, size_t max);
/* The message of *ERR through quote_controls(): for errors built in many
 * places that repeat outside text (a tar's names, a config file's keys). */
void quote_error_message(ctool_error_t *err);
/* S with control characters (C0, DEL, and C1 as UTF-8 encodes them) and
 * bytes that are no well-formed UTF-8 as \xNN, the rest (UTF-8 text)
 * kept, as quote_error_message does: for warnings and debug lines that
 * repeat outside text. NULL gives "". */
char *quote_controls(const char *s);
/* ctool_log() with the whole formatted line through quote_controls():
 * warnings and debug lines that repeat names from a file or a layer stay
 * one printable line. */
void quote_log(enum ctool_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
