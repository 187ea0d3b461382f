/* Registry HTTP API v2 client (the distribution spec): ping, Basic and
 * Bearer-token authentication, manifests, and blobs streamed in parallel.
 *
 * One registry_client per command holds the libcurl multi handle (so all
 * requests share connections and TLS sessions). An endpoint is one
 * registry host as reached over the network: its scheme (HTTPS, or HTTP
 * for insecure registries when HTTPS fails), TLS settings from certs.d,
 * credentials, the auth challenge from its /v2/ and the tokens fetched. */
#ifndef CTOOL_REGISTRY_H
#define CTOOL_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "error.h"

/* Attempts for one request before giving up on network errors, 5xx and
 * 429 (waits 0.5 s, 1 s, 2 s; Retry-After is honoured up to the cap). */
#define REGISTRY_MAX_ATTEMPTS 4
#define REGISTRY_BACKOFF_FIRST_MS 500
#define REGISTRY_RETRY_AFTER_CAP_MS 10000
/* Blobs downloaded at once. */
#define REGISTRY_PARALLEL_BLOBS 6

struct registry_client;
struct registry_endpoint;

struct registry_client_opts {
  int tls_verify;                 /* -1: as registries.conf says; 0/1: --tls-verify */
  const char *authfile;           /* --authfile, or NULL for the usual files */
  const struct auth_cred *creds;  /* --creds: used instead of the auth files */
};

int registry_client_new(const struct registry_client_opts *opts, struct registry_client **out, ctool_error_t *err);
void registry_client_free(struct registry_client *c);

/* Reach HOST ("docker.io", "127.0.0.1:5000") and ping its /v2/. INSECURE
 * (registries.conf) allows unverified TLS and HTTP unless --tls-verify
 * says otherwise. Errors say what failed and how to fix it. */
int registry_endpoint_open(struct registry_client *c, const char *host, bool insecure,
                           struct registry_endpoint **out, ctool_error_t *err);
void registry_endpoint_free(struct registry_endpoint *ep);
/* "https://127.0.0.1:5000" */
const char *registry_endpoint_url(const struct registry_endpoint *ep);

/* Errors that mean "this image is not there" carry errnum ENOENT (so that
 * short-name candidates and mirrors can move on); authentication
 * failures carry EACCES. */

struct registry_document {
  char *data;
  size_t len;
  char *content_type;    /* as the server said, or NULL */
  char digest[72];       /* sha256 of exactly DATA */
};
void registry_document_clear(struct registry_document *d);

/* GET /v2/REPO/manifests/REFERENCE (a tag or a digest). When REFERENCE is
 * a digest the bytes are verified against it. */
int registry_get_manifest(struct registry_endpoint *ep, const char *repo, const char *reference,
                          struct registry_document *out, ctool_error_t *err);
/* GET a small blob (an image config) into memory and verify its digest. */
int registry_get_blob(struct registry_endpoint *ep, const char *repo, const char *digest,
                      struct registry_document *out, ctool_error_t *err);

/* Where streamed blobs go. Every function gets the index of the blob in
 * the request array. */
struct registry_blob_sink {
  /* Start blob I from its first byte (again, when a resume was refused). */
  int (*open)(void *data, size_t i, ctool_error_t *err);
  int (*write)(void *data, size_t i, const void *buf, size_t len, ctool_error_t *err);
  /* Every byte arrived: verify the digest and keep the blob. */
  int (*commit)(void *data, size_t i, ctool_error_t *err);
  /* Drop what was written. */
  void (*abort)(void *data, size_t i);
  /* Optional: BYTES so far of TOTAL (-1 when unknown); DONE after commit. */
  void (*progress)(void *data, size_t i, uint64_t bytes, int64_t total, bool done);
  void *data;
};

struct registry_blob_request {
  const char *digest;
  int64_t size;          /* from the manifest; -1 when unknown */
};

/* Download N blobs of REPO, up to REGISTRY_PARALLEL_BLOBS at once, into
 * SINK. Network errors, 5xx and 429 are retried with backoff, resuming
 * with a Range request where the server allows. The first hard failure
 * (a digest mismatch, a 404, the retries used up) stops everything;
 * every sink not committed by then is aborted. */
int registry_fetch_blobs(struct registry_endpoint *ep, const char *repo, const struct registry_blob_request *blobs,
                         size_t n, const struct registry_blob_sink *sink, ctool_error_t *err);

/* Check CRED against HOST (ctool login): Basic credentials against /v2/,
 * or a token fetched with them. A registry that needs no login accepts
 * anything, as with Podman. */
int registry_check_login(struct registry_client *c, const char *host, bool insecure, const struct auth_cred *cred,
                         ctool_error_t *err);

#endif
