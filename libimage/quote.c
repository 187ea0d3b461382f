#include "quote.h"
#include "util.h"

#include <stdio.h>
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
