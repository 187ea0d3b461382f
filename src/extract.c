/* Layer extraction and removal inside the user namespace (see extract.h). */
#include "extract.h"
#include "fsutil.h"
#include "libimage/layer.h"
#include "userns.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_WORKERS 4

/* What the child writes back: it shares these pages with the parent. */
struct job_result {
  uint64_t size;
  uint64_t files;
};

struct extract_run {
  struct store_extract_job *jobs;
  size_t n_jobs;
  struct job_result *results; /* MAP_SHARED */
  unsigned flags;
  struct layer_limits limits;
  atomic_size_t next;
  pthread_mutex_t lock;
  ctool_error_t first_err;
};

static int
extract_one(struct extract_run *run, size_t i, ctool_error_t *err)
{
  struct store_extract_job *job = &run->jobs[i];
  struct layer_stats st;
  log_debug("extracting %s into %s", job->blob_path, job->target_dir);
  if (layer_extract(job->blob_path, job->target_dir, job->diff_id, &run->limits, run->flags, &st, err) < 0)
    return ctool_error_prefix(err, "layer %.19s", job->diff_id);
  run->results[i].size = st.size;
  run->results[i].files = st.files;
  return 0;
}

static void *
worker(void *arg)
{
  struct extract_run *run = arg;
  for (;;)
    {
      size_t i = atomic_fetch_add(&run->next, 1);
      if (i >= run->n_jobs)
        return NULL;
      pthread_mutex_lock(&run->lock);
      bool failed = run->first_err != NULL;
      pthread_mutex_unlock(&run->lock);
      if (failed)
        return NULL;
      ctool_error_t err = NULL;
      if (extract_one(run, i, &err) < 0)
        {
          pthread_mutex_lock(&run->lock);
          if (run->first_err == NULL)
            run->first_err = steal_pointer(&err);
          pthread_mutex_unlock(&run->lock);
          ctool_error_free(&err);
        }
    }
}

/* In the user namespace, as root: unpack every job, several at a time
 * (layers are independent until they are stacked). */
static int
extract_child(void *arg, ctool_error_t *err)
{
  struct extract_run *run = arg;
  umask(0);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  size_t workers = run->n_jobs;
  if (workers > MAX_WORKERS)
    workers = MAX_WORKERS;
  if (ncpu > 0 && workers > (size_t) ncpu + 1)
    workers = (size_t) ncpu + 1;
  pthread_t threads[MAX_WORKERS];
  size_t started = 0;
  for (size_t t = 1; t < workers; t++)
    if (pthread_create(&threads[started], NULL, worker, run) == 0)
      started++;
  worker(run);
  for (size_t t = 0; t < started; t++)
    pthread_join(threads[t], NULL);
  if (run->first_err)
    {
      *err = steal_pointer(&run->first_err);
      return -1;
    }
  return 0;
}

int
extract_layers_userns(void *data, struct store_extract_job *jobs, size_t n_jobs, ctool_error_t *err)
{
  if (n_jobs == 0)
    return 0;
  struct idmap map;
  struct extract_run run = { .jobs = jobs, .n_jobs = n_jobs, .lock = PTHREAD_MUTEX_INITIALIZER };
  if (store_userns_map(&map, &run.flags, err) < 0)
    return ctool_error_prefix(err, "extract layers");
  layer_limits_default(&run.limits);
  size_t bytes = n_jobs * sizeof *run.results;
  run.results = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (run.results == MAP_FAILED)
    return ctool_error_set(err, errno, "mmap");
  memset(run.results, 0, bytes);
  int r = userns_run(&map, extract_child, &run, err);
  if (r == 0)
    for (size_t i = 0; i < n_jobs; i++)
      {
        jobs[i].size = run.results[i].size;
        jobs[i].files = run.results[i].files;
      }
  munmap(run.results, bytes);
  if (r < 0)
    return -1;
  if (r != 0)
    return ctool_error_set(err, 0, "layer extraction failed (exit status %d)", r);
  return 0;
}
