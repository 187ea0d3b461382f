#include "base64.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
base64_encode(const void *data, size_t len)
{
  const unsigned char *in = data;
  char *out = xmalloc((len + 2) / 3 * 4 + 1);
  char *p = out;
  size_t i = 0;
  for (; i + 3 <= len; i += 3)
    {
      uint32_t v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
      *p++ = alphabet[v >> 18];
      *p++ = alphabet[(v >> 12) & 63];
      *p++ = alphabet[(v >> 6) & 63];
      *p++ = alphabet[v & 63];
    }
  if (i < len)
    {
      uint32_t v = (uint32_t) in[i] << 16 | (i + 1 < len ? (uint32_t) in[i + 1] << 8 : 0);
      *p++ = alphabet[v >> 18];
      *p++ = alphabet[(v >> 12) & 63];
      *p++ = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
      *p++ = '=';
    }
  *p = '\0';
  return out;
}

static int
sextet(char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

bool
base64_decode(const char *text, unsigned char **out, size_t *out_len)
{
  size_t len = strlen(text);
  size_t pad = 0;
  if (len % 4 == 0 && len >= 4)
    pad = (text[len - 1] == '=') + (text[len - 1] == '=' && text[len - 2] == '=');
  size_t data_len = len - pad;
  /* A lone trailing character carries no whole byte. */
  if (data_len % 4 == 1)
    return false;
  unsigned char *buf = xmalloc(data_len / 4 * 3 + 3);
  size_t n = 0;
  uint32_t acc = 0;
  for (size_t i = 0; i < data_len; i++)
    {
      int v = sextet(text[i]);
      if (v < 0)
        {
          free(buf);
          return false;
        }
      acc = acc << 6 | (uint32_t) v;
      if (i % 4 == 3)
        {
          buf[n++] = (unsigned char) (acc >> 16);
          buf[n++] = (unsigned char) (acc >> 8);
          buf[n++] = (unsigned char) acc;
          acc = 0;
        }
    }
  if (data_len % 4 == 2)
    buf[n++] = (unsigned char) (acc >> 4);
  else if (data_len % 4 == 3)
    {
      buf[n++] = (unsigned char) (acc >> 10);
      buf[n++] = (unsigned char) (acc >> 2);
    }
  buf[n] = '\0';
  *out = buf;
  *out_len = n;
  return true;
}
