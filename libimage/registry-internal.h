/* What registry.c shares with registry-blobs.c (not for other users). */
#ifndef CTOOL_REGISTRY_INTERNAL_H
#define CTOOL_REGISTRY_INTERNAL_H

#include "auth.h"
#include "http.h"
#include "registry.h"
#include "wwwauth.h"

struct registry_client {
  struct http_client *http;
  int tls_verify;
  char *authfile;
  struct auth_cred creds;  /* --creds */
  bool have_creds;
};

struct registry_token {
  char *scope;             /* "repository:NAME:pull", "" for none */
  char *value;
};

struct registry_endpoint {
  struct registry_client *c;
  char *host;              /* as named: messages, auth.json, certs.d */
  char *api_host;          /* as contacted ("registry-1.docker.io") */
  char *base_url;          /* "https://HOST" or "http://HOST" */
  struct http_tls tls;
  char *ca_blob;
  size_t ca_blob_len;
  char *client_cert;
  char *client_key;
  struct auth_cred cred;   /* may be empty: anonymous */
  struct www_auth challenge; /* from /v2/ (or a later 401); NONE: open */
  struct registry_token *tokens;
  size_t n_tokens;
};

/* Set (*err)->errnum after the fact (ENOENT: not there; EACCES: auth). */
int registry_error_errnum(ctool_error_t *err, int errnum);
/* "repository:REPO:pull" */
char *registry_scope(const char *repo);
/* Add the Authorization header for SCOPE (fetching a token if needed). */
int registry_add_auth(struct registry_endpoint *ep, struct http_xfer *x, const char *scope, ctool_error_t *err);
/* After a 401: 1 when a retry may help (new token or Basic credentials). */
int registry_reauth(struct registry_endpoint *ep, const struct http_xfer *x, const char *scope, ctool_error_t *err);
/* Wait before attempt ATTEMPT+1: exponential, or Retry-After, capped. */
long registry_backoff_ms(const struct http_xfer *x, int attempt);
void registry_warn_retry(const struct registry_endpoint *ep, const struct http_xfer *x, const char *what, int attempt,
                         long wait_ms);
/* A non-2xx answer as a sentence (ENOENT/EACCES errnum as registry.h says). */
int registry_status_error(struct registry_endpoint *ep, const struct http_xfer *x, const char *repo, const char *what,
                          ctool_error_t *err);

#endif
