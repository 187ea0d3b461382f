/* libFuzzer target: the WWW-Authenticate header of a registry's 401.
 * Beyond "no crash, no leak": an accepted header is Basic or Bearer, a
 * Bearer challenge has a realm; written back as one challenge with every
 * value quoted (and escaped), it parses to the same fields; a refused
 * header leaves nothing behind and the error, one printable line, says
 * what it could not parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "util.h"
#include "wwwauth.h"

static bool
same_str(const char *a, const char *b)
{
  return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* ,NAME="VALUE" with '"' and '\' escaped; nothing when VALUE is NULL. */
static void
append_param(char **out, const char *name, const char *value)
{
  if (value == NULL)
    return;
  size_t len = strlen(*out);
  *out = xrealloc(*out, len + strlen(name) + 2 * strlen(value) + 6);
  char *p = *out + len;
  p += sprintf(p, "%s%s=\"", len > 0 && (*out)[len - 1] != ' ' ? ", " : "", name);
  for (const char *v = value; *v; v++)
    {
      if (*v == '"' || *v == '\\')
        *p++ = '\\';
      *p++ = *v;
    }
  *p++ = '"';
  *p = '\0';
}

static char *
format_header(const struct www_auth *a)
{
  char *out = xstrdup(a->scheme == WWW_AUTH_BEARER ? "Bearer " : "Basic ");
  append_param(&out, "realm", a->realm);
  append_param(&out, "service", a->service);
  append_param(&out, "scope", a->scope);
  append_param(&out, "error", a->error);
  return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  cleanup_free char *header = xstrndup((const char *) data, size);
  struct www_auth a;
  ctool_error_t err = NULL;
  if (www_auth_parse(header, &a, &err) == 0)
    {
      CHECK(err == NULL);
      CHECK(a.scheme == WWW_AUTH_BASIC || a.scheme == WWW_AUTH_BEARER);
      if (a.scheme == WWW_AUTH_BEARER)
        CHECK(a.realm && *a.realm);
      cleanup_free char *again_text = format_header(&a);
      struct www_auth again;
      CHECK(www_auth_parse(again_text, &again, &err) == 0);
      CHECK(again.scheme == a.scheme);
      CHECK(same_str(again.realm, a.realm) && same_str(again.service, a.service));
      CHECK(same_str(again.scope, a.scope) && same_str(again.error, a.error));
      www_auth_clear(&again);
      www_auth_clear(&a);
    }
  else
    {
      CHECK(err != NULL && str_has_prefix(err->msg, "cannot parse the registry's WWW-Authenticate header '"));
      CHECK(printable_line(err->msg));
      CHECK(a.scheme == WWW_AUTH_NONE && a.realm == NULL && a.service == NULL && a.scope == NULL && a.error == NULL);
      ctool_error_free(&err);
    }
  return 0;
}
