#include "quote.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
quote_untrusted(const char *s, size_t max)
{
  if (s == NULL)
    return xstrdup("");
  size_t n = strlen(s);
  size_t shown = n > max ? max : n;
  char *out = xmalloc(shown * 4 + 4);
  char *p = out;
  for (size_t i = 0; i < shown; i++)
    {
      unsigned char c = (unsigned char) s[i];
      if (c >= 0x20 && c < 0x7f && c != '\\')
        *p++ = (char) c;
      else
        p += sprintf(p, "\\x%02x", c);
    }
  if (shown < n)
    p += sprintf(p, "...");
  *p = '\0';
  return out;
}

void
quote_error_message(ctool_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  const char *msg = (*err)->msg;
  char *out = xmalloc(strlen(msg) * 4 + 1);
  char *p = out;
  for (const unsigned char *m = (const unsigned char *) msg; *m; m++)
    {
      if (*m < 0x20 || *m == 0x7f)
        p += sprintf(p, "\\x%02x", *m);
      else
        *p++ = (char) *m;
    }
  *p = '\0';
  free((*err)->msg);
  (*err)->msg = out;
}
