/* What the fuzz targets assert. */
#ifndef CTOOL_FUZZ_CHECK_H
#define CTOOL_FUZZ_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* A broken invariant: say which, then abort (libFuzzer keeps the input). */
#define CHECK(cond)                                                  \
  do                                                                 \
    {                                                                \
      if (!(cond))                                                   \
        {                                                            \
          fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
          abort();                                                   \
        }                                                            \
    }                                                                \
  while (0)

/* An error message as the user sees it: one line, no control characters
 * (no terminal escapes from hostile input). */
static inline bool
printable_line(const char *msg)
{
  if (msg == NULL || *msg == '\0')
    return false;
  for (const unsigned char *p = (const unsigned char *) msg; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return false;
  return true;
}

#endif
