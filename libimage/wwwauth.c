#include "wwwauth.h"
#include "quote.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* RFC 7230 tchar */
static bool
is_tchar(char c)
{
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static void
skip_ows(const char **p)
{
  while (**p == ' ' || **p == '\t')
    (*p)++;
}

static size_t
token_len(const char *p)
{
  size_t n = 0;
  while (is_tchar(p[n]))
    n++;
  return n;
}

/* A quoted-string starting at the opening quote: the unescaped value, or
 * NULL when the closing quote is missing. */
static char *
read_quoted(const char **p)
{
  const char *s = *p + 1;
  char *out = xmalloc(strlen(s) + 1);
  size_t n = 0;
  for (; *s && *s != '"'; s++)
    {
      if (*s == '\\' && s[1] != '\0')
        s++;
      out[n++] = *s;
    }
  if (*s != '"')
    {
      free(out);
      return NULL;
    }
  out[n] = '\0';
  *p = s + 1;
  return out;
}

static enum www_auth_scheme
scheme_of(const char *name, size_t len)
{
  if (len == 5 && strncasecmp(name, "basic", 5) == 0)
    return WWW_AUTH_BASIC;
  if (len == 6 && strncasecmp(name, "bearer", 6) == 0)
    return WWW_AUTH_BEARER;
  return WWW_AUTH_NONE;
}

static void
set_param(struct www_auth *a, const char *name, size_t len, char *value)
{
  char **slot = NULL;
  if (len == 5 && strncasecmp(name, "realm", len) == 0)
    slot = &a->realm;
  else if (len == 7 && strncasecmp(name, "service", len) == 0)
    slot = &a->service;
  else if (len == 5 && strncasecmp(name, "scope", len) == 0)
    slot = &a->scope;
  else if (len == 5 && strncasecmp(name, "error", len) == 0)
    slot = &a->error;
  if (slot == NULL)
    {
      free(value);
      return;
    }
  free(*slot);
  *slot = value;
}

static int
malformed(const char *header, const char *why, ctool_error_t *err)
{
  cleanup_free char *quoted = quote_untrusted(header, 200);
  return ctool_error_set(err, 0, "cannot parse the registry's WWW-Authenticate header '%s': %s", quoted, why);
}

/* One challenge's auth-params, from *p up to the start of the next
 * challenge (or the end). */
static int
parse_params(const char *header, const char **p, struct www_auth *cur, ctool_error_t *err)
{
  for (;;)
    {
      while (**p == ' ' || **p == '\t' || **p == ',')
        (*p)++;
      if (**p == '\0')
        return 0;
      const char *name = *p;
      size_t len = token_len(name);
      if (len == 0)
        return malformed(header, "unexpected character", err);
      const char *q = name + len;
      skip_ows(&q);
      if (*q != '=')
        return 0; /* a new challenge begins at NAME */
      q++;
      if (*q == '=')
        {
          /* token68 ("Negotiate abc=="): no parameters to read */
          while (*q == '=')
            q++;
          skip_ows(&q);
          if (*q != '\0' && *q != ',')
            return malformed(header, "expected ',' after a token", err);
          *p = q;
          continue;
        }
      skip_ows(&q);
      char *value;
      if (*q == '"')
        {
          value = read_quoted(&q);
          if (value == NULL)
            return malformed(header, "unterminated quoted string", err);
        }
      else
        {
          size_t vlen = token_len(q);
          value = xstrndup(q, vlen);
          q += vlen;
        }
      set_param(cur, name, len, value);
      skip_ows(&q);
      if (*q != '\0' && *q != ',')
        return malformed(header, "expected ',' between parameters", err);
      *p = q;
    }
}

int
www_auth_parse(const char *header, struct www_auth *out, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  const char *p = header;
  for (;;)
    {
      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      if (*p == '\0')
        break;
      size_t len = token_len(p);
      if (len == 0)
        {
          www_auth_clear(out);
          return malformed(header, "expected an authentication scheme", err);
        }
      struct www_auth cur = { .scheme = scheme_of(p, len) };
      p += len;
      if (parse_params(header, &p, &cur, err) < 0)
        {
          www_auth_clear(&cur);
          www_auth_clear(out);
          return -1;
        }
      if (cur.scheme != WWW_AUTH_NONE && cur.scheme > out->scheme)
        {
          www_auth_clear(out);
          *out = cur;
        }
      else
        www_auth_clear(&cur);
    }
  if (out->scheme == WWW_AUTH_NONE)
    return malformed(header, "no Basic or Bearer challenge", err);
  if (out->scheme == WWW_AUTH_BEARER && (out->realm == NULL || out->realm[0] == '\0'))
    {
      www_auth_clear(out);
      return malformed(header, "the Bearer challenge has no realm", err);
    }
  return 0;
}

void
www_auth_clear(struct www_auth *a)
{
  free(a->realm);
  free(a->service);
  free(a->scope);
  free(a->error);
  memset(a, 0, sizeof *a);
}
