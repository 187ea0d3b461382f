#include "registry.h"
#include "base64.h"
#include "fsutil.h"
#include "http.h"
#include "jsonutil.h"
#include "manifest.h"
#include "registry-internal.h"
#include "util.h"
#include "wwwauth.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

/* Error bodies and /v2/ answers are small; keep at most this much. */
#define SMALL_BODY_MAX (64 * 1024)
#define TOKEN_BODY_MAX (1024 * 1024)

/* ------------------------------------------------------------ client */

int
registry_client_new(const struct registry_client_opts *opts, struct registry_client **out, ctool_error_t *err)
{
  struct registry_client *c = xzalloc(sizeof *c);
  if (http_client_new(&c->http, err) < 0)
    {
      free(c);
      return -1;
    }
  c->tls_verify = opts ? opts->tls_verify : -1;
  c->authfile = opts ? xstrdup(opts->authfile) : NULL;
  if (opts && opts->creds && opts->creds->username)
    {
      c->creds.username = xstrdup(opts->creds->username);
      c->creds.password = xstrdup(opts->creds->password ? opts->creds->password : "");
      c->have_creds = true;
    }
  *out = c;
  return 0;
}

void
registry_client_free(struct registry_client *c)
{
  if (c == NULL)
    return;
  http_client_free(c->http);
  free(c->authfile);
  auth_cred_clear(&c->creds);
  free(c);
}

/* ------------------------------------------------------------ helpers */

int
registry_error_errnum(ctool_error_t *err, int errnum)
{
  if (err && *err)
    (*err)->errnum = errnum;
  return -1;
}

void
registry_document_clear(struct registry_document *d)
{
  free(d->data);
  free(d->content_type);
  memset(d, 0, sizeof *d);
}

/* "code: message" of the first entry of a registry's {"errors": [...]}
 * body; *code gets the code (or NULL). */
static char *
registry_error_text(const struct http_xfer *x, char **code)
{
  *code = NULL;
  if (x->body == NULL || x->body_len == 0)
    return NULL;
  cleanup_json json_object *doc = NULL;
  ctool_error_t ignored = NULL;
  if (json_parse_text(x->body, x->body_len, "error", &doc, &ignored) < 0)
    {
      ctool_error_free(&ignored);
      return NULL;
    }
  json_object *errors = json_get_array(doc, "errors");
  json_object *first = errors ? json_object_array_get_idx(errors, 0) : NULL;
  if (first == NULL)
    return NULL;
  const char *c = json_get_str(first, "code");
  const char *m = json_get_str(first, "message");
  *code = xstrdup(c);
  if (c && m)
    return xasprintf("%s: %s", c, m);
  return xstrdup(c ? c : m);
}

/* ------------------------------------------------------------ TLS */

static char *
default_ca_file(void)
{
  char *path = NULL;
#if LIBCURL_VERSION_NUM >= 0x075400
  CURL *e = curl_easy_init();
  char *p = NULL;
  if (e && curl_easy_getinfo(e, CURLINFO_CAINFO, &p) == CURLE_OK && p)
    path = xstrdup(p);
  if (e)
    curl_easy_cleanup(e);
#endif
  if (path == NULL)
    path = xstrdup("/etc/ssl/certs/ca-certificates.crt");
  return path;
}

static void
append_file(char **buf, size_t *len, const char *path)
{
  cleanup_free char *text = NULL;
  size_t n = 0;
  ctool_error_t ignored = NULL;
  if (read_file_at(AT_FDCWD, path, &text, &n, 0, &ignored) < 0)
    {
      log_warn("cannot read %s: %s", path, ignored->msg);
      ctool_error_free(&ignored);
      return;
    }
  *buf = xrealloc(*buf, *len + n + 2);
  memcpy(*buf + *len, text, n);
  *len += n;
  (*buf)[(*len)++] = '\n';
  (*buf)[*len] = '\0';
}

static int
cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *) a, *(char *const *) b);
}

/* certs.d/HOST: the .crt files are CAs (added to the system ones), .cert/.key
 * pairs client certificates (the first pair is used). */
static int
load_certs_dir(struct registry_endpoint *ep, const char *dir, ctool_error_t *err)
{
  cleanup_dir DIR *d = opendir(dir);
  if (d == NULL)
    return errno == ENOENT ? 0 : ctool_error_set(err, errno, "cannot read %s", dir);
  cleanup_strv char **names = NULL;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (de->d_name[0] != '.')
      strv_push(&names, de->d_name);
  size_t n = strv_len(names);
  if (n == 0)
    return 0;
  qsort(names, n, sizeof *names, cmp_names);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *path = xasprintf("%s/%s", dir, names[i]);
      if (str_has_suffix(names[i], ".crt"))
        {
          if (ep->ca_blob == NULL)
            {
              cleanup_free char *sys = default_ca_file();
              if (access(sys, R_OK) == 0)
                append_file(&ep->ca_blob, &ep->ca_blob_len, sys);
            }
          append_file(&ep->ca_blob, &ep->ca_blob_len, path);
        }
      else if (str_has_suffix(names[i], ".cert") && ep->client_cert == NULL)
        {
          cleanup_free char *base = xstrndup(path, strlen(path) - 5);
          cleanup_free char *key = xasprintf("%s.key", base);
          if (access(key, R_OK) != 0)
            return ctool_error_set(err, 0, "client certificate %s has no key %s next to it", path, key);
          ep->client_cert = steal_pointer(&path);
          ep->client_key = steal_pointer(&key);
        }
    }
  return 0;
}

/* ------------------------------------------------------------ auth */

static const char *
cached_token(struct registry_endpoint *ep, const char *scope)
{
  for (size_t i = 0; i < ep->n_tokens; i++)
    if (strcmp(ep->tokens[i].scope, scope) == 0)
      return ep->tokens[i].value;
  return NULL;
}

static void
cache_token(struct registry_endpoint *ep, const char *scope, char *value)
{
  for (size_t i = 0; i < ep->n_tokens; i++)
    if (strcmp(ep->tokens[i].scope, scope) == 0)
      {
        free(ep->tokens[i].value);
        ep->tokens[i].value = value;
        return;
      }
  ep->tokens = xrealloc(ep->tokens, (ep->n_tokens + 1) * sizeof *ep->tokens);
  ep->tokens[ep->n_tokens].scope = xstrdup(scope);
  ep->tokens[ep->n_tokens].value = value;
  ep->n_tokens++;
}

static bool
have_creds(const struct registry_endpoint *ep)
{
  return ep->cred.username != NULL && ep->cred.username[0] != '\0';
}

static char *
basic_header(const struct registry_endpoint *ep)
{
  cleanup_free char *pair = xasprintf("%s:%s", ep->cred.username, ep->cred.password ? ep->cred.password : "");
  cleanup_free char *b64 = base64_encode(pair, strlen(pair));
  return xasprintf("Authorization: Basic %s", b64);
}

static int
auth_failed(const struct registry_endpoint *ep, ctool_error_t *err)
{
  if (have_creds(ep))
    ctool_error_set(err, 0, "invalid username or password for %s: run 'ctool login %s'", ep->host, ep->host);
  else
    ctool_error_set(err, 0, "authentication required for %s: run 'ctool login %s'", ep->host, ep->host);
  return registry_error_errnum(err, EACCES);
}

static void
append_query(char **url, bool *first, const char *key, const char *value)
{
  if (value == NULL || value[0] == '\0')
    return;
  char *esc = curl_easy_escape(NULL, value, 0);
  char *next = xasprintf("%s%c%s=%s", *url, *first ? (strchr(*url, '?') ? '&' : '?') : '&', key, esc);
  curl_free(esc);
  free(*url);
  *url = next;
  *first = false;
}

/* GET REALM?service=..&scope=.. (with our credentials, when we have
 * them) and keep the token for SCOPE. */
static int
fetch_token(struct registry_endpoint *ep, const char *scope, ctool_error_t *err)
{
  const char *realm = ep->challenge.realm;
  cleanup_json json_object *doc = NULL;
  char *url = xstrdup(realm);
  bool first = true;
  append_query(&url, &first, "service", ep->challenge.service);
  append_query(&url, &first, "scope", scope);
  if (have_creds(ep))
    append_query(&url, &first, "account", ep->cred.username);

  struct http_xfer *x = NULL;
  const char *token;
  for (int attempt = 1;; attempt++)
    {
      x = http_xfer_new(ep->c->http, url, &ep->tls, TOKEN_BODY_MAX);
      if (have_creds(ep))
        {
          cleanup_free char *h = basic_header(ep);
          http_xfer_add_header(x, h);
        }
      if (http_run(x, err) < 0)
        goto fail;
      if (!http_transient(x, false) || attempt >= REGISTRY_MAX_ATTEMPTS)
        break;
      long wait_ms = registry_backoff_ms(x, attempt);
      http_xfer_free(x);
      x = NULL;
      if (http_sleep(ep->c->http, wait_ms, err) < 0)
        goto fail;
    }
  if (x->body_too_big)
    {
      ctool_error_set(err, 0, "the token server %s sent an answer larger than %d bytes", realm, TOKEN_BODY_MAX);
      goto fail;
    }
  if (http_failed(x))
    {
      http_set_failure(x, realm, err);
      ctool_error_prefix(err, "cannot get a token for %s", ep->host);
      goto fail;
    }
  if (x->status == 401 || x->status == 403)
    {
      auth_failed(ep, err);
      goto fail;
    }
  if (x->status != 200)
    {
      ctool_error_set(err, 0, "the token server %s for %s answered HTTP %ld", realm, ep->host, x->status);
      goto fail;
    }
  if (json_parse_text(x->body ? x->body : "", x->body_len, "the token server's answer", &doc, err) < 0)
    goto fail;
  token = json_get_str(doc, "token");
  if (token == NULL || token[0] == '\0')
    token = json_get_str(doc, "access_token");
  if (token == NULL || token[0] == '\0')
    {
      ctool_error_set(err, 0, "the token server %s for %s sent no token", realm, ep->host);
      goto fail;
    }
  cache_token(ep, scope ? scope : "", xstrdup(token));
  http_xfer_free(x);
  free(url);
  return 0;

fail:
  http_xfer_free(x);
  free(url);
  return -1;
}

int
registry_add_auth(struct registry_endpoint *ep, struct http_xfer *x, const char *scope, ctool_error_t *err)
{
  switch (ep->challenge.scheme)
    {
    case WWW_AUTH_NONE:
      return 0;
    case WWW_AUTH_BASIC:
      if (have_creds(ep))
        {
          cleanup_free char *h = basic_header(ep);
          http_xfer_add_header(x, h);
        }
      return 0;
    case WWW_AUTH_BEARER:
      {
        const char *key = scope ? scope : "";
        if (cached_token(ep, key) == NULL && fetch_token(ep, scope, err) < 0)
          return -1;
        cleanup_free char *h = xasprintf("Authorization: Bearer %s", cached_token(ep, key));
        http_xfer_add_header(x, h);
        return 0;
      }
    }
  return 0;
}

/* A 401 came back: 1 when asking again may help (a new token for the
 * scope the server named, or Basic credentials we did not send yet). */
int
registry_reauth(struct registry_endpoint *ep, const struct http_xfer *x, const char *scope, ctool_error_t *err)
{
  struct www_auth ch;
  ctool_error_t ignored = NULL;
  if (x->www_auth == NULL || www_auth_parse(x->www_auth, &ch, &ignored) < 0)
    {
      ctool_error_free(&ignored);
      return 0;
    }
  int retry = 0;
  if (ch.scheme == WWW_AUTH_BEARER)
    {
      www_auth_clear(&ep->challenge);
      ep->challenge = ch;
      memset(&ch, 0, sizeof ch);
      /* Ask for the scope the server names; keep the token under ours too. */
      const char *want = ep->challenge.scope ? ep->challenge.scope : scope;
      if (fetch_token(ep, want, err) < 0)
        return -1;
      const char *key = scope ? scope : "";
      if (strcmp(want ? want : "", key) != 0)
        cache_token(ep, key, xstrdup(cached_token(ep, want ? want : "")));
      retry = 1;
    }
  else if (ch.scheme == WWW_AUTH_BASIC && ep->challenge.scheme != WWW_AUTH_BASIC && have_creds(ep))
    {
      www_auth_clear(&ep->challenge);
      ep->challenge = ch;
      memset(&ch, 0, sizeof ch);
      retry = 1;
    }
  www_auth_clear(&ch);
  return retry;
}

long
registry_backoff_ms(const struct http_xfer *x, int attempt)
{
  long wait = REGISTRY_BACKOFF_FIRST_MS << (attempt - 1);
  long after = http_retry_after_ms(x);
  if (after > wait)
    wait = after;
  return wait > REGISTRY_RETRY_AFTER_CAP_MS ? REGISTRY_RETRY_AFTER_CAP_MS : wait;
}

void
registry_warn_retry(const struct registry_endpoint *ep, const struct http_xfer *x, const char *what, int attempt,
                    long wait_ms)
{
  ctool_error_t why = NULL;
  if (http_failed(x))
    http_set_failure(x, ep->host, &why);
  else
    ctool_error_set(&why, 0, "%s answered HTTP %ld", ep->host, x->status);
  log_warn("%s: %s; retrying in %.1fs (%d/%d)", what, why->msg, wait_ms / 1000.0, attempt,
           REGISTRY_MAX_ATTEMPTS - 1);
  ctool_error_free(&why);
}

/* ------------------------------------------------------------ requests */

enum {
  REQ_AUTH = 1 << 0,           /* authenticate (not for the ping) */
  REQ_RETRY_REFUSED = 1 << 1,  /* "connection refused" is worth a retry */
};

/* GET PATH on EP with retries (network errors, 5xx, 429) and one
 * re-authentication on 401. Returns the finished transfer with an HTTP
 * answer (any status); transport failures are errors. */
static int
request(struct registry_endpoint *ep, const char *path, const char *scope, const char *accept, size_t body_max,
        unsigned flags, struct http_xfer **out, ctool_error_t *err)
{
  cleanup_free char *url = xasprintf("%s%s", ep->base_url, path);
  bool auth_retried = false;
  for (int attempt = 1;; attempt++)
    {
      struct http_xfer *x = http_xfer_new(ep->c->http, url, &ep->tls, body_max);
      if (accept)
        {
          cleanup_free char *h = xasprintf("Accept: %s", accept);
          http_xfer_add_header(x, h);
        }
      if (((flags & REQ_AUTH) && registry_add_auth(ep, x, scope, err) < 0) || http_run(x, err) < 0)
        {
          http_xfer_free(x);
          return -1;
        }
      if (http_transient(x, flags & REQ_RETRY_REFUSED) && attempt < REGISTRY_MAX_ATTEMPTS)
        {
          long wait = registry_backoff_ms(x, attempt);
          registry_warn_retry(ep, x, path, attempt, wait);
          http_xfer_free(x);
          if (http_sleep(ep->c->http, wait, err) < 0)
            return -1;
          continue;
        }
      if (x->body_too_big)
        {
          http_xfer_free(x);
          return ctool_error_set(err, 0, "%s sent more than %zu bytes for %s", ep->host, body_max, path);
        }
      if (http_failed(x))
        {
          http_set_failure(x, ep->host, err);
          http_xfer_free(x);
          return -1;
        }
      if (x->status == 401 && (flags & REQ_AUTH) && !auth_retried)
        {
          auth_retried = true;
          int again = registry_reauth(ep, x, scope, err);
          if (again < 0)
            {
              http_xfer_free(x);
              return -1;
            }
          if (again)
            {
              http_xfer_free(x);
              attempt = 0;
              continue;
            }
        }
      *out = x;
      return 0;
    }
}

char *
registry_scope(const char *repo)
{
  return xasprintf("repository:%s:pull", repo);
}

/* The status of a failed registry request as a sentence. WHAT is "tag
 * latest", "manifest sha256:..." or "blob sha256:...". */
int
registry_status_error(struct registry_endpoint *ep, const struct http_xfer *x, const char *repo, const char *what,
                      ctool_error_t *err)
{
  cleanup_free char *code = NULL;
  cleanup_free char *text = registry_error_text(x, &code);
  const char *say = text ? text : "no details";
  if (code && strcmp(code, "NAME_UNKNOWN") == 0)
    {
      ctool_error_set(err, 0, "repository %s/%s not found", ep->host, repo);
      return registry_error_errnum(err, ENOENT);
    }
  if (x->status == 404 || (code && (strcmp(code, "MANIFEST_UNKNOWN") == 0 || strcmp(code, "BLOB_UNKNOWN") == 0)))
    {
      ctool_error_set(err, 0, "%s not found in %s/%s", what, ep->host, repo);
      return registry_error_errnum(err, ENOENT);
    }
  if (x->status == 401)
    {
      if (ep->challenge.scheme == WWW_AUTH_BEARER)
        {
          /* Registries such as Docker Hub answer 401 for repositories
           * that do not exist as well as for private ones. */
          if (have_creds(ep))
            ctool_error_set(err, 0, "%s/%s: access denied for user %s (%s): check the name, or log in as "
                            "another user with 'ctool login %s'", ep->host, repo, ep->cred.username, say, ep->host);
          else
            ctool_error_set(err, 0, "repository %s/%s not found or authentication required (%s): "
                            "if it is private, run 'ctool login %s'", ep->host, repo, say, ep->host);
          return registry_error_errnum(err, ENOENT);
        }
      return auth_failed(ep, err);
    }
  if (x->status == 403)
    {
      ctool_error_set(err, 0, "access to %s/%s denied (%s): run 'ctool login %s' as a user allowed to pull it",
                      ep->host, repo, say, ep->host);
      return registry_error_errnum(err, EACCES);
    }
  if (x->status == 429)
    return ctool_error_set(err, 0, "%s refuses more requests for now (HTTP 429, rate limit): try again later", ep->host);
  return ctool_error_set(err, 0, "%s answered HTTP %ld for %s of %s (%s)", ep->host, x->status, what, repo, say);
}

/* ------------------------------------------------------------ endpoints */

static int
ping(struct registry_endpoint *ep, const char *scheme, struct http_xfer **out, ctool_error_t *err)
{
  free(ep->base_url);
  ep->base_url = xasprintf("%s://%s", scheme, ep->api_host);
  return request(ep, "/v2/", NULL, NULL, SMALL_BODY_MAX, 0, out, err);
}

static int
read_challenge(struct registry_endpoint *ep, struct http_xfer *x, ctool_error_t *err)
{
  if (x->status == 200)
    return 0;
  if (x->status == 401)
    {
      if (x->www_auth == NULL)
        return ctool_error_set(err, 0, "%s requires authentication but sent no WWW-Authenticate challenge", ep->host);
      return www_auth_parse(x->www_auth, &ep->challenge, err);
    }
  return ctool_error_set(err, 0, "%s does not answer like a container registry (GET %s/v2/: HTTP %ld)", ep->host,
                         ep->base_url, x->status);
}

static int
endpoint_open(struct registry_client *c, const char *host, bool insecure, const struct auth_cred *cred,
              struct registry_endpoint **out, ctool_error_t *err)
{
  struct registry_endpoint *ep = xzalloc(sizeof *ep);
  ep->c = c;
  ep->host = xstrdup(host);
  ep->api_host = xstrdup(strcmp(host, "docker.io") == 0 ? "registry-1.docker.io" : host);
  ep->tls.verify = c->tls_verify < 0 ? !insecure : c->tls_verify != 0;
  bool allow_http = !ep->tls.verify;
  struct http_xfer *x = NULL;
  cleanup_free char *certs = NULL;

  if (cred)
    {
      ep->cred.username = xstrdup(cred->username);
      ep->cred.password = xstrdup(cred->password);
    }
  else if (c->have_creds)
    {
      ep->cred.username = xstrdup(c->creds.username);
      ep->cred.password = xstrdup(c->creds.password);
    }
  else if (auth_lookup(c->authfile, host, &ep->cred, err) < 0)
    goto fail;

  certs = certs_dir_for(host);
  if (certs && load_certs_dir(ep, certs, err) < 0)
    goto fail;
  ep->tls.ca_blob = ep->ca_blob;
  ep->tls.ca_blob_len = ep->ca_blob_len;
  ep->tls.client_cert = ep->client_cert;
  ep->tls.client_key = ep->client_key;

  if (ping(ep, "https", &x, err) < 0)
    {
      if (!allow_http)
        goto fail;
      /* Insecure registries may speak plain HTTP: try that, as Podman does. */
      ctool_error_t https_err = steal_pointer(err);
      if (ping(ep, "http", &x, err) < 0)
        {
          /* Both failed: the HTTPS reason tells more unless it was only
           * the TLS handshake (then the server is there but HTTP failed). */
          ctool_error_free(err);
          *err = https_err;
          goto fail;
        }
      ctool_error_free(&https_err);
      log_debug("%s: HTTPS failed, using plain HTTP", host);
    }
  if (read_challenge(ep, x, err) < 0)
    goto fail;
  http_xfer_free(x);
  *out = ep;
  return 0;

fail:
  http_xfer_free(x);
  registry_endpoint_free(ep);
  return -1;
}

int
registry_endpoint_open(struct registry_client *c, const char *host, bool insecure, struct registry_endpoint **out,
                       ctool_error_t *err)
{
  return endpoint_open(c, host, insecure, NULL, out, err);
}

void
registry_endpoint_free(struct registry_endpoint *ep)
{
  if (ep == NULL)
    return;
  free(ep->host);
  free(ep->api_host);
  free(ep->base_url);
  free(ep->ca_blob);
  free(ep->client_cert);
  free(ep->client_key);
  auth_cred_clear(&ep->cred);
  www_auth_clear(&ep->challenge);
  for (size_t i = 0; i < ep->n_tokens; i++)
    {
      free(ep->tokens[i].scope);
      free(ep->tokens[i].value);
    }
  free(ep->tokens);
  free(ep);
}

const char *
registry_endpoint_url(const struct registry_endpoint *ep)
{
  return ep->base_url;
}

/* ------------------------------------------------------------ documents */

static int
take_document(struct http_xfer *x, struct registry_document *out)
{
  memset(out, 0, sizeof *out);
  out->data = x->body ? steal_pointer(&x->body) : xstrdup("");
  out->len = x->body_len;
  out->content_type = steal_pointer(&x->content_type);
  digest_sha256(out->data, out->len, out->digest);
  return 0;
}

/* Many registries answer MANIFEST_UNKNOWN for a missing repository as
 * well as for a missing tag; its tag list tells them apart. False only
 * when the registry says the repository is unknown. */
static bool
repository_exists(struct registry_endpoint *ep, const char *repo, const char *scope)
{
  cleanup_free char *path = xasprintf("/v2/%s/tags/list?n=1", repo);
  struct http_xfer *x = NULL;
  ctool_error_t ignored = NULL;
  if (request(ep, path, scope, NULL, SMALL_BODY_MAX, REQ_AUTH, &x, &ignored) < 0)
    {
      ctool_error_free(&ignored);
      return true;
    }
  cleanup_free char *code = NULL;
  cleanup_free char *text = registry_error_text(x, &code);
  bool exists = !(x->status == 404 && (code == NULL || strcmp(code, "NAME_UNKNOWN") == 0));
  http_xfer_free(x);
  return exists;
}

int
registry_get_manifest(struct registry_endpoint *ep, const char *repo, const char *reference,
                      struct registry_document *out, ctool_error_t *err)
{
  cleanup_free char *path = xasprintf("/v2/%s/manifests/%s", repo, reference);
  cleanup_free char *scope = registry_scope(repo);
  struct http_xfer *x = NULL;
  if (request(ep, path, scope, MANIFEST_ACCEPT, MANIFEST_MAX_SIZE, REQ_AUTH | REQ_RETRY_REFUSED, &x, err) < 0)
    return -1;
  bool by_digest = strchr(reference, ':') != NULL;
  if (x->status != 200)
    {
      cleanup_free char *what = xasprintf("%s %s", by_digest ? "manifest" : "tag", reference);
      if (x->status == 404 && !repository_exists(ep, repo, scope))
        {
          ctool_error_set(err, 0, "repository %s/%s not found", ep->host, repo);
          registry_error_errnum(err, ENOENT);
        }
      else
        registry_status_error(ep, x, repo, what, err);
      http_xfer_free(x);
      return -1;
    }
  take_document(x, out);
  http_xfer_free(x);
  if (by_digest && strcmp(out->digest, reference) != 0)
    {
      ctool_error_set(err, 0, "digest mismatch for the manifest of %s/%s: asked for %s, got %s", ep->host, repo,
                      reference, out->digest);
      registry_document_clear(out);
      return -1;
    }
  return 0;
}

int
registry_get_blob(struct registry_endpoint *ep, const char *repo, const char *digest, struct registry_document *out,
                  ctool_error_t *err)
{
  cleanup_free char *path = xasprintf("/v2/%s/blobs/%s", repo, digest);
  cleanup_free char *scope = registry_scope(repo);
  struct http_xfer *x = NULL;
  if (request(ep, path, scope, NULL, MANIFEST_MAX_SIZE, REQ_AUTH | REQ_RETRY_REFUSED, &x, err) < 0)
    return -1;
  if (x->status != 200)
    {
      cleanup_free char *what = xasprintf("blob %s", digest);
      registry_status_error(ep, x, repo, what, err);
      http_xfer_free(x);
      return -1;
    }
  take_document(x, out);
  http_xfer_free(x);
  if (strcmp(out->digest, digest) != 0)
    {
      ctool_error_set(err, 0, "digest mismatch for blob %s of %s/%s: got %s", digest, ep->host, repo, out->digest);
      registry_document_clear(out);
      return -1;
    }
  return 0;
}

/* ------------------------------------------------------------ login */

int
registry_check_login(struct registry_client *c, const char *host, bool insecure, const struct auth_cred *cred,
                     ctool_error_t *err)
{
  struct registry_endpoint *ep = NULL;
  if (endpoint_open(c, host, insecure, cred, &ep, err) < 0)
    return -1;
  int ret = 0;
  if (ep->challenge.scheme != WWW_AUTH_NONE)
    {
      struct http_xfer *x = NULL;
      ret = request(ep, "/v2/", NULL, NULL, SMALL_BODY_MAX, REQ_AUTH | REQ_RETRY_REFUSED, &x, err);
      if (ret == 0 && x->status == 401)
        ret = auth_failed(ep, err);
      else if (ret == 0 && x->status != 200)
        ret = ctool_error_set(err, 0, "%s answered HTTP %ld when checking the login", host, x->status);
      http_xfer_free(x);
    }
  if (ret < 0 && *err && (*err)->errnum == EACCES)
    {
      /* "run ctool login" is no help while logging in. */
      ctool_error_free(err);
      ctool_error_set(err, 0, "invalid username or password");
      registry_error_errnum(err, EACCES);
    }
  registry_endpoint_free(ep);
  return ret;
}
