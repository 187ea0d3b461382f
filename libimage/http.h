/* HTTP transfers for the registry client: one libcurl multi handle per
 * command (shared connections, DNS and TLS sessions), transfers that are
 * either buffered (bounded) or streamed, and the failure texts users see.
 * Everything runs in the calling thread: http_step() drives all started
 * transfers at once; http_run() is a blocking request on top of it. */
#ifndef CTOOL_HTTP_H
#define CTOOL_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* A stalled server fails instead of hanging: less than LOW_SPEED bytes a
 * second for LOW_SPEED_TIME seconds aborts the transfer. */
#define HTTP_CONNECT_TIMEOUT_S 30
#define HTTP_LOW_SPEED_BYTES 1
#define HTTP_LOW_SPEED_TIME_S 30

struct http_client;

/* How to talk TLS to one registry. */
struct http_tls {
  bool verify;              /* check certificate and host name */
  const char *ca_blob;      /* PEM: system CAs plus certs.d *.crt, or NULL */
  size_t ca_blob_len;
  const char *client_cert;  /* certs.d *.cert / *.key, or NULL */
  const char *client_key;
};

struct http_xfer {
  CURL *easy;
  struct http_client *client;
  struct curl_slist *headers;
  char errbuf[CURL_ERROR_SIZE];
  bool started;
  bool done;
  CURLcode result;
  long status;              /* of the last response (after redirects) */
  /* Headers of the last response. */
  char *content_type;
  char *www_auth;           /* all WWW-Authenticate values, comma-joined */
  char *retry_after;
  char *content_range;
  /* The body, buffered up to body_max bytes (more: body_too_big and the
   * transfer is aborted). Streamed transfers buffer only error bodies. */
  char *body;
  size_t body_len;
  size_t body_max;
  bool body_too_big;
  /* Streaming: called with each chunk of a 2xx body; returns false to
   * abort the transfer. */
  bool (*on_data)(struct http_xfer *x, const char *buf, size_t len);
  void *owner;
};

int http_client_new(struct http_client **out, ctool_error_t *err);
void http_client_free(struct http_client *c);

/* A GET of URL, not started yet. */
struct http_xfer *http_xfer_new(struct http_client *c, const char *url, const struct http_tls *tls, size_t body_max);
/* "Name: value" */
void http_xfer_add_header(struct http_xfer *x, const char *line);
/* Ask for the bytes from OFFSET on (resume). */
void http_xfer_set_range_from(struct http_xfer *x, unsigned long long offset);
void http_xfer_start(struct http_xfer *x);
/* Stop (when running) and free. */
void http_xfer_free(struct http_xfer *x);

/* Drive every running transfer, waiting up to TIMEOUT_MS for activity;
 * finished transfers get done, result and status set. */
int http_step(struct http_client *c, int timeout_ms, ctool_error_t *err);
/* Start X and drive the client until X is done. */
int http_run(struct http_xfer *x, ctool_error_t *err);
/* Keep the other transfers going for MS milliseconds (a backoff). */
int http_sleep(struct http_client *c, long ms, ctool_error_t *err);
long long http_now_ms(void);

/* Whether the transfer did not reach an HTTP answer at all. */
bool http_failed(const struct http_xfer *x);
/* Whether trying again may help: network errors, 5xx, 429. With
 * CONNECT_REFUSED_TOO false, "connection refused" is final. */
bool http_transient(const struct http_xfer *x, bool connect_refused_too);
/* Whether the failure happened while talking TLS (HTTP fallback candidates). */
bool http_tls_failure(const struct http_xfer *x);
/* Retry-After in milliseconds (seconds or an HTTP date), or -1. */
long http_retry_after_ms(const struct http_xfer *x);
/* A failed transfer (http_failed) as a user sees it: "cannot connect to
 * HOST: Connection refused", TLS trouble with a way to fix it. */
int http_set_failure(const struct http_xfer *x, const char *host, ctool_error_t *err);

#endif
