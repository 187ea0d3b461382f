/* Layer blobs: many at once on the one multi handle, streamed into sinks
 * while they arrive, retried and resumed (Range) on network trouble. */
#include "registry-internal.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ERROR_BODY_MAX (16 * 1024)

enum job_state {
  JOB_QUEUED,   /* waiting for a free slot (or its retry time) */
  JOB_RUNNING,
  JOB_DONE,     /* committed */
};

struct blob_job {
  struct blob_fetch *f;
  size_t i;
  enum job_state state;
  struct http_xfer *x;
  int attempts;
  bool auth_retried;
  bool sink_open;
  bool response_checked;   /* the current response's first 2xx bytes were seen */
  bool range_asked;
  uint64_t received;       /* bytes the sink holds */
  long long not_before_ms;
};

struct blob_fetch {
  struct registry_endpoint *ep;
  const char *repo;
  char *scope;
  const struct registry_blob_request *blobs;
  const struct registry_blob_sink *sink;
  struct blob_job *jobs;
  size_t n;
  ctool_error_t cb_err;    /* a failure inside a data callback */
};

static int
sink_restart(struct blob_job *j, ctool_error_t *err)
{
  const struct registry_blob_sink *s = j->f->sink;
  if (j->sink_open)
    s->abort(s->data, j->i);
  j->sink_open = false;
  j->received = 0;
  if (s->open(s->data, j->i, err) < 0)
    return -1;
  j->sink_open = true;
  return 0;
}

/* A 206 must start where we stopped: "bytes N-M/T". */
static bool
range_matches(const struct blob_job *j)
{
  const char *cr = j->x->content_range;
  unsigned long long start;
  if (cr == NULL || sscanf(cr, "bytes %llu-", &start) != 1)
    return false;
  return start == j->received;
}

/* The first bytes of a 2xx answer: decide whether they continue what the
 * sink holds (206 from where we stopped) or start over (200). */
static bool
check_response(struct blob_job *j)
{
  long code = 0;
  curl_easy_getinfo(j->x->easy, CURLINFO_RESPONSE_CODE, &code);
  j->response_checked = true;
  if (code == 206 && j->range_asked && j->sink_open && range_matches(j))
    return true;
  if (code == 206)
    {
      /* A range we did not ask for, or not where we stopped: drop what we
       * have and abort; the retry asks for the whole blob. */
      j->range_asked = false;
      sink_restart(j, &j->f->cb_err);
      return false;
    }
  if (!j->sink_open || j->received > 0)
    return sink_restart(j, &j->f->cb_err) == 0;
  return true;
}

static bool
on_data(struct http_xfer *x, const char *buf, size_t len)
{
  struct blob_job *j = x->owner;
  struct blob_fetch *f = j->f;
  if (!j->response_checked && !check_response(j))
    return false;
  const struct registry_blob_request *b = &f->blobs[j->i];
  if (b->size >= 0 && j->received + len > (uint64_t) b->size)
    {
      ctool_error_set(&f->cb_err, 0, "blob %s of %s/%s is larger than the %" PRId64 " bytes its manifest says",
                      b->digest, f->ep->host, f->repo, b->size);
      return false;
    }
  if (f->sink->write(f->sink->data, j->i, buf, len, &f->cb_err) < 0)
    return false;
  j->received += len;
  if (f->sink->progress)
    f->sink->progress(f->sink->data, j->i, j->received, b->size, false);
  return true;
}

static int
start_job(struct blob_job *j, ctool_error_t *err)
{
  struct blob_fetch *f = j->f;
  struct registry_endpoint *ep = f->ep;
  cleanup_free char *url = xasprintf("%s/v2/%s/blobs/%s", ep->base_url, f->repo, f->blobs[j->i].digest);
  struct http_xfer *x = http_xfer_new(ep->c->http, url, &ep->tls, ERROR_BODY_MAX);
  x->on_data = on_data;
  x->owner = j;
  if (registry_add_auth(ep, x, f->scope, err) < 0)
    {
      http_xfer_free(x);
      return -1;
    }
  j->range_asked = j->sink_open && j->received > 0;
  if (j->range_asked)
    http_xfer_set_range_from(x, j->received);
  j->response_checked = false;
  j->attempts++;
  j->x = x;
  j->state = JOB_RUNNING;
  http_xfer_start(x);
  return 0;
}

static int
commit_job(struct blob_job *j, ctool_error_t *err)
{
  struct blob_fetch *f = j->f;
  const struct registry_blob_sink *s = f->sink;
  if (!j->sink_open && sink_restart(j, err) < 0)
    return -1;
  j->sink_open = false;
  if (s->commit(s->data, j->i, err) < 0)
    return ctool_error_prefix(err, "blob %s of %s/%s", f->blobs[j->i].digest, f->ep->host, f->repo);
  j->state = JOB_DONE;
  if (s->progress)
    s->progress(s->data, j->i, j->received, f->blobs[j->i].size, true);
  return 0;
}

static void
retry_later(struct blob_job *j, long wait_ms)
{
  j->state = JOB_QUEUED;
  j->not_before_ms = http_now_ms() + wait_ms;
}

/* A transfer of J ended: commit, queue a retry, or fail. */
static int
finish_job(struct blob_job *j, ctool_error_t *err)
{
  struct blob_fetch *f = j->f;
  struct http_xfer *x = j->x;
  const struct registry_blob_request *b = &f->blobs[j->i];
  int ret = 0;

  if (f->cb_err)
    {
      *err = steal_pointer(&f->cb_err);
      ret = -1;
    }
  else if (x->result == CURLE_OK && (x->status == 200 || x->status == 206)
           && (b->size < 0 || j->received == (uint64_t) b->size))
    ret = commit_job(j, err);
  else if (j->sink_open && b->size >= 0 && j->received == (uint64_t) b->size && http_failed(x))
    ret = commit_job(j, err); /* every byte is there; the digest decides */
  else if (x->result == CURLE_OK && x->status == 401 && !j->auth_retried)
    {
      j->auth_retried = true;
      int again = registry_reauth(f->ep, x, f->scope, err);
      if (again < 0)
        ret = -1;
      else if (again)
        retry_later(j, 0);
      else
        ret = registry_status_error(f->ep, x, f->repo, "blob", err);
    }
  else if ((http_transient(x, true) || (x->result == CURLE_OK && x->status / 100 == 2)
            || (x->result == CURLE_WRITE_ERROR && j->response_checked))
           && j->attempts < REGISTRY_MAX_ATTEMPTS)
    {
      /* Network trouble, a 5xx/429, a body cut short, or a 206 that did
       * not fit: try again, from where we stopped when we can. */
      long wait = registry_backoff_ms(x, j->attempts);
      cleanup_free char *what = xasprintf("blob %.19s", b->digest);
      registry_warn_retry(f->ep, x, what, j->attempts, wait);
      retry_later(j, wait);
    }
  else if (x->result == CURLE_OK && x->status / 100 == 2)
    ret = ctool_error_set(err, 0, "blob %s of %s/%s: the registry sent %" PRIu64 " of %" PRId64 " bytes", b->digest,
                          f->ep->host, f->repo, j->received, b->size);
  else if (http_failed(x))
    {
      http_set_failure(x, f->ep->host, err);
      ret = ctool_error_prefix(err, "downloading blob %s", b->digest);
    }
  else
    {
      cleanup_free char *what = xasprintf("blob %s", b->digest);
      ret = registry_status_error(f->ep, x, f->repo, what, err);
    }
  http_xfer_free(x);
  j->x = NULL;
  return ret;
}

static void
abort_all(struct blob_fetch *f)
{
  for (size_t i = 0; i < f->n; i++)
    {
      struct blob_job *j = &f->jobs[i];
      http_xfer_free(j->x);
      j->x = NULL;
      if (j->sink_open)
        f->sink->abort(f->sink->data, j->i);
      j->sink_open = false;
    }
}

/* Start what may start; returns the milliseconds until the next queued
 * retry is due (or a default poll interval). */
static int
start_ready(struct blob_fetch *f, size_t *running, ctool_error_t *err)
{
  long long now = http_now_ms();
  long long next = now + 200;
  for (size_t i = 0; i < f->n && *running < REGISTRY_PARALLEL_BLOBS; i++)
    {
      struct blob_job *j = &f->jobs[i];
      if (j->state != JOB_QUEUED)
        continue;
      if (j->not_before_ms > now)
        {
          if (j->not_before_ms < next)
            next = j->not_before_ms;
          continue;
        }
      if (start_job(j, err) < 0)
        return -1;
      (*running)++;
    }
  return (int) (next - now);
}

int
registry_fetch_blobs(struct registry_endpoint *ep, const char *repo, const struct registry_blob_request *blobs,
                     size_t n, const struct registry_blob_sink *sink, ctool_error_t *err)
{
  struct blob_fetch f = {
    .ep = ep, .repo = repo, .scope = registry_scope(repo), .blobs = blobs, .sink = sink, .n = n,
  };
  f.jobs = xzalloc((n ? n : 1) * sizeof *f.jobs);
  for (size_t i = 0; i < n; i++)
    f.jobs[i] = (struct blob_job) { .f = &f, .i = i, .state = JOB_QUEUED };

  size_t done = 0, running = 0;
  int ret = 0;
  while (done < n)
    {
      int wait = start_ready(&f, &running, err);
      if (wait < 0 || http_step(ep->c->http, wait > 0 ? wait : 0, err) < 0)
        {
          ret = -1;
          break;
        }
      for (size_t i = 0; i < n && ret == 0; i++)
        {
          struct blob_job *j = &f.jobs[i];
          if (j->state != JOB_RUNNING || !j->x->done)
            continue;
          running--;
          if (finish_job(j, err) < 0)
            ret = -1;
          else if (j->state == JOB_DONE)
            done++;
        }
      if (ret < 0)
        break;
    }
  if (ret < 0)
    abort_all(&f);
  ctool_error_free(&f.cb_err);
  free(f.jobs);
  free(f.scope);
  return ret;
}
