#include "http.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Bigger reads than curl's 16 kB default: fewer callbacks and writes
 * for layer blobs. */
#define HTTP_BUFFER_SIZE (256 * 1024)

struct http_client {
  CURLM *multi;
  char *user_agent;
};

long long
http_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
http_client_new(struct http_client **out, ctool_error_t *err)
{
  static bool curl_ready;
  if (!curl_ready)
    {
      if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return ctool_error_set(err, 0, "cannot initialize libcurl");
      curl_ready = true;
    }
  struct http_client *c = xzalloc(sizeof *c);
  c->multi = curl_multi_init();
  if (c->multi == NULL)
    {
      free(c);
      return ctool_error_set(err, 0, "cannot initialize libcurl's multi interface");
    }
  c->user_agent = xasprintf("ctool/%s", PACKAGE_VERSION);
  *out = c;
  return 0;
}

void
http_client_free(struct http_client *c)
{
  if (c == NULL)
    return;
  curl_multi_cleanup(c->multi);
  free(c->user_agent);
  free(c);
}

/* ------------------------------------------------------------ callbacks */

static void
reset_response_headers(struct http_xfer *x)
{
  free(x->content_type);
  free(x->www_auth);
  free(x->retry_after);
  free(x->content_range);
  x->content_type = x->www_auth = x->retry_after = x->content_range = NULL;
}

static void
keep_header(char **slot, const char *value, size_t len, bool join)
{
  if (*slot && join)
    {
      char *both = xasprintf("%s, %.*s", *slot, (int) len, value);
      free(*slot);
      *slot = both;
      return;
    }
  free(*slot);
  *slot = xstrndup(value, len);
}

static size_t
header_cb(char *buf, size_t size, size_t nitems, void *userdata)
{
  struct http_xfer *x = userdata;
  size_t len = size * nitems;
  if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0)
    {
      /* A new response (after a redirect or a 100): forget the last one. */
      reset_response_headers(x);
      return len;
    }
  const char *colon = memchr(buf, ':', len);
  if (colon == NULL)
    return len;
  size_t name_len = (size_t) (colon - buf);
  const char *v = colon + 1;
  const char *end = buf + len;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
    end--;
  size_t vlen = (size_t) (end - v);
  static const struct
  {
    const char *name;
    size_t offset;
    bool join;
  } wanted[] = {
    { "content-type", offsetof(struct http_xfer, content_type), false },
    { "www-authenticate", offsetof(struct http_xfer, www_auth), true },
    { "retry-after", offsetof(struct http_xfer, retry_after), false },
    { "content-range", offsetof(struct http_xfer, content_range), false },
  };
  for (size_t i = 0; i < ARRAY_SIZE(wanted); i++)
    if (strlen(wanted[i].name) == name_len && strncasecmp(buf, wanted[i].name, name_len) == 0)
      keep_header((char **) ((char *) x + wanted[i].offset), v, vlen, wanted[i].join);
  return len;
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct http_xfer *x = userdata;
  size_t len = size * nmemb;
  if (x->on_data)
    {
      long code = 0;
      curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
      if (code >= 200 && code < 300)
        return x->on_data(x, ptr, len) ? len : 0;
      /* An error body of a streamed transfer: keep its start for the message. */
      size_t room = x->body_max - x->body_len;
      len = len < room ? len : room;
      if (len == 0)
        return size * nmemb;
    }
  else if (len > x->body_max - x->body_len)
    {
      x->body_too_big = true;
      return 0;
    }
  x->body = xrealloc(x->body, x->body_len + len + 1);
  memcpy(x->body + x->body_len, ptr, len);
  x->body_len += len;
  x->body[x->body_len] = '\0';
  return size * nmemb;
}

/* ------------------------------------------------------------ transfers */

struct http_xfer *
http_xfer_new(struct http_client *c, const char *url, const struct http_tls *tls, size_t body_max)
{
  struct http_xfer *x = xzalloc(sizeof *x);
  x->client = c;
  x->body_max = body_max;
  x->easy = curl_easy_init();
  if (x->easy == NULL)
    abort(); /* only fails on out-of-memory */
  CURL *e = x->easy;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_PRIVATE, x);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long) HTTP_BUFFER_SIZE);
  curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  /* Blobs often live behind a redirect to object storage; our
   * Authorization header must not follow it to another host (libcurl
   * drops custom Authorization headers on host changes unless
   * UNRESTRICTED_AUTH is set: make sure it is not). */
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long) HTTP_CONNECT_TIMEOUT_S);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long) HTTP_LOW_SPEED_BYTES);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long) HTTP_LOW_SPEED_TIME_S);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, tls->verify ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, tls->verify ? 2L : 0L);
  if (tls->ca_blob)
    {
      struct curl_blob blob = { .data = (void *) tls->ca_blob, .len = tls->ca_blob_len, .flags = CURL_BLOB_NOCOPY };
      curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
    }
  if (tls->client_cert)
    {
      curl_easy_setopt(e, CURLOPT_SSLCERT, tls->client_cert);
      curl_easy_setopt(e, CURLOPT_SSLKEY, tls->client_key);
    }
  return x;
}

void
http_xfer_add_header(struct http_xfer *x, const char *line)
{
  struct curl_slist *l = curl_slist_append(x->headers, line);
  if (l == NULL)
    abort();
  x->headers = l;
  curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
}

void
http_xfer_set_range_from(struct http_xfer *x, unsigned long long offset)
{
  char range[32];
  snprintf(range, sizeof range, "%llu-", offset);
  curl_easy_setopt(x->easy, CURLOPT_RANGE, range);
}

void
http_xfer_start(struct http_xfer *x)
{
  if (curl_multi_add_handle(x->client->multi, x->easy) != CURLM_OK)
    abort(); /* only on misuse or out-of-memory */
  x->started = true;
  x->done = false;
}

void
http_xfer_free(struct http_xfer *x)
{
  if (x == NULL)
    return;
  if (x->started && !x->done)
    curl_multi_remove_handle(x->client->multi, x->easy);
  curl_easy_cleanup(x->easy);
  curl_slist_free_all(x->headers);
  reset_response_headers(x);
  free(x->body);
  free(x);
}

/* ------------------------------------------------------------ the loop */

static bool
collect_finished(struct http_client *c)
{
  bool any = false;
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(c->multi, &left)) != NULL)
    {
      if (msg->msg != CURLMSG_DONE)
        continue;
      struct http_xfer *x = NULL;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &x);
      x->result = msg->data.result;
      curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
      curl_multi_remove_handle(c->multi, x->easy);
      x->done = true;
      any = true;
    }
  return any;
}

static int
multi_failed(CURLMcode mc, ctool_error_t *err)
{
  return ctool_error_set(err, 0, "libcurl failed: %s", curl_multi_strerror(mc));
}

int
http_step(struct http_client *c, int timeout_ms, ctool_error_t *err)
{
  int running = 0;
  CURLMcode mc = curl_multi_perform(c->multi, &running);
  if (mc != CURLM_OK)
    return multi_failed(mc, err);
  if (collect_finished(c))
    return 0;
  mc = curl_multi_poll(c->multi, NULL, 0, timeout_ms, NULL);
  if (mc != CURLM_OK)
    return multi_failed(mc, err);
  mc = curl_multi_perform(c->multi, &running);
  if (mc != CURLM_OK)
    return multi_failed(mc, err);
  collect_finished(c);
  return 0;
}

int
http_run(struct http_xfer *x, ctool_error_t *err)
{
  http_xfer_start(x);
  while (!x->done)
    if (http_step(x->client, 1000, err) < 0)
      return -1;
  return 0;
}

int
http_sleep(struct http_client *c, long ms, ctool_error_t *err)
{
  long long until = http_now_ms() + ms;
  for (;;)
    {
      long long left = until - http_now_ms();
      if (left <= 0)
        return 0;
      if (http_step(c, (int) (left < 1000 ? left : 1000), err) < 0)
        return -1;
    }
}

/* ------------------------------------------------------------ failures */

bool
http_failed(const struct http_xfer *x)
{
  return x->result != CURLE_OK || x->status == 0;
}

bool
http_tls_failure(const struct http_xfer *x)
{
  switch (x->result)
    {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
      return true;
    default:
      return false;
    }
}

bool
http_transient(const struct http_xfer *x, bool connect_refused_too)
{
  switch (x->result)
    {
    case CURLE_OK:
      return x->status == 429 || x->status == 500 || x->status == 502 || x->status == 503 || x->status == 504;
    case CURLE_COULDNT_CONNECT:
      return connect_refused_too;
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
    }
}

long
http_retry_after_ms(const struct http_xfer *x)
{
  if (x->retry_after == NULL || x->retry_after[0] == '\0')
    return -1;
  unsigned long long secs;
  if (str_to_u64(x->retry_after, &secs))
    return secs > 86400 ? 86400L * 1000 : (long) secs * 1000;
  time_t when = curl_getdate(x->retry_after, NULL);
  if (when == -1)
    return -1;
  time_t now = time(NULL);
  return when > now ? (long) (when - now) * 1000 : 0;
}

static char *
user_certs_dir(const char *host)
{
  const char *xdg = getenv("XDG_CONFIG_HOME");
  if (xdg && xdg[0] == '/')
    return xasprintf("%s/containers/certs.d/%s/", xdg, host);
  const char *home = getenv("HOME");
  return xasprintf("%s/.config/containers/certs.d/%s/", home ? home : "~", host);
}

static const char *
curl_detail(const struct http_xfer *x)
{
  return x->errbuf[0] ? x->errbuf : curl_easy_strerror(x->result);
}

static int
tls_verify_failure(const struct http_xfer *x, const char *host, ctool_error_t *err)
{
  cleanup_free char *dir = user_certs_dir(host);
  const char *d = curl_detail(x);
  if (strstr(d, "local issuer") || strstr(d, "self-signed") || strstr(d, "self signed")
      || strstr(d, "unable to get issuer"))
    return ctool_error_set(err, 0, "cannot connect to %s: certificate signed by unknown authority (%s): "
                           "use --tls-verify=false or add the CA to %s", host, d, dir);
  return ctool_error_set(err, 0, "cannot connect to %s: its TLS certificate is not valid (%s): "
                         "use --tls-verify=false or fix the certificate (CAs go to %s)", host, d, dir);
}

int
http_set_failure(const struct http_xfer *x, const char *host, ctool_error_t *err)
{
  long os_errno = 0;
  curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
  switch (x->result)
    {
    case CURLE_COULDNT_RESOLVE_HOST:
      return ctool_error_set(err, 0, "cannot resolve the registry host %s: check the name and the network", host);
    case CURLE_COULDNT_CONNECT:
      if (os_errno)
        return ctool_error_set(err, 0, "cannot connect to %s: %s", host, strerror((int) os_errno));
      return ctool_error_set(err, 0, "cannot connect to %s: %s", host, curl_detail(x));
    case CURLE_OPERATION_TIMEDOUT:
      return ctool_error_set(err, 0, "%s did not answer in time: %s", host, curl_detail(x));
    case CURLE_PEER_FAILED_VERIFICATION:
      return tls_verify_failure(x, host, err);
    case CURLE_SSL_CONNECT_ERROR:
      return ctool_error_set(err, 0, "TLS handshake with %s failed (%s): if the registry serves plain HTTP, "
                             "use --tls-verify=false or set insecure = true for it in registries.conf", host, curl_detail(x));
    case CURLE_SSL_CERTPROBLEM:
      return ctool_error_set(err, 0, "cannot use the client certificate for %s: %s", host, curl_detail(x));
    case CURLE_SSL_CACERT_BADFILE:
      return ctool_error_set(err, 0, "cannot read the CA certificates for %s: %s", host, curl_detail(x));
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
      return ctool_error_set(err, 0, "connection to %s lost: %s", host, curl_detail(x));
    case CURLE_TOO_MANY_REDIRECTS:
      return ctool_error_set(err, 0, "%s redirected too many times", host);
    case CURLE_OK:
      return ctool_error_set(err, 0, "%s sent no HTTP answer", host);
    default:
      return ctool_error_set(err, 0, "request to %s failed: %s", host, curl_detail(x));
    }
}
