/* The WWW-Authenticate header of a registry's 401 answer (RFC 7235):
 *   Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"
 *   Basic realm="Registry Realm"
 * Several challenges may share one header, separated by commas. */
#ifndef CTOOL_WWWAUTH_H
#define CTOOL_WWWAUTH_H

#include "error.h"

enum www_auth_scheme {
  WWW_AUTH_NONE,
  WWW_AUTH_BASIC,
  WWW_AUTH_BEARER,
};

struct www_auth {
  enum www_auth_scheme scheme;
  char *realm;
  char *service;
  char *scope;
  char *error;   /* "invalid_token", "insufficient_scope", ... */
};

/* Parse HEADER (the value, without "WWW-Authenticate:"). The scheme is
 * matched case-insensitively; of several challenges Bearer wins over
 * Basic; challenges of other schemes are skipped. Quoted strings may hold
 * commas and backslash escapes. Malformed input, or no Basic/Bearer
 * challenge at all, is an error quoting the header. A Bearer challenge
 * without a realm is an error too: there is nowhere to ask for a token. */
int www_auth_parse(const char *header, struct www_auth *out, ctool_error_t *err);
void www_auth_clear(struct www_auth *a);

#endif
