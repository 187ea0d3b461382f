#include "quote.h"
#include "util.h"

#include <stdarg.h>
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

/* Length of the printable character at S: ASCII, or well-formed UTF-8
 * that is no C1 control (U+0080..U+009F, which terminals may obey as
 * CSI or NEL); 0 when the byte at S must be escaped. */
static size_t
utf8_printable_len(const unsigned char *s)
{
  size_t n;
  if (s[0] >= 0x20 && s[0] < 0x7f)
    return 1;
  if (s[0] >= 0xc2 && s[0] <= 0xdf)
    n = 2;
  else if (s[0] >= 0xe0 && s[0] <= 0xef)
    n = 3;
  else if (s[0] >= 0xf0 && s[0] <= 0xf4)
    n = 4;
  else
    return 0; /* C0, DEL, a stray continuation byte or no UTF-8 lead */
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  if (s[0] == 0xc2 && s[1] < 0xa0)
    return 0;
  return n;
}

char *
quote_controls(const char *s)
{
  if (s == NULL)
    return xstrdup("");
  char *out = xmalloc(strlen(s) * 4 + 1);
  char *p = out;
  for (const unsigned char *m = (const unsigned char *) s; *m;)
    {
      size_t n = utf8_printable_len(m);
      if (n == 0)
        {
          p += sprintf(p, "\\x%02x", *m++);
          continue;
        }
      memcpy(p, m, n);
      p += n;
      m += n;
    }
  *p = '\0';
  return out;
}

void
quote_error_message(ctool_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  char *out = quote_controls((*err)->msg);
  free((*err)->msg);
  (*err)->msg = out;
}

void
quote_log(enum ctool_log_level lvl, const char *fmt, ...)
{
  if (lvl > ctool_log_level)
    return;
  va_list ap;
  va_start(ap, fmt);
  cleanup_free char *text = xvasprintf(fmt, ap);
  va_end(ap);
  cleanup_free char *quoted = quote_controls(text);
  ctool_log(lvl, "%s", quoted);
}
