#include "cgroup-record.h"

#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
cgroup_record_write(const char *ctr_dir, const char *path, ctool_error_t *err)
{
  cleanup_free char *file = xasprintf("%s/" CGROUP_RECORD_FILE, ctr_dir);
  if (path == NULL)
    {
      if (unlink(file) < 0 && errno != ENOENT)
        return ctool_error_set(err, errno, "remove %s", file);
      return 0;
    }
  cleanup_free char *text = xasprintf("%s\n", path);
  return write_file_atomic_at(AT_FDCWD, file, text, strlen(text), 0600, false, err);
}

char *
cgroup_record_read(const char *ctr_dir)
{
  cleanup_free char *file = xasprintf("%s/" CGROUP_RECORD_FILE, ctr_dir);
  cleanup_free char *text = NULL;
  if (read_file_at(AT_FDCWD, file, &text, NULL, 4096, NULL) < 0)
    return NULL;
  text[strcspn(text, "\n")] = '\0';
  if (text[0] != '/' || access(text, F_OK) < 0)
    return NULL;
  return steal_pointer(&text);
}

/* memory.events "oom_kill N" with N > 0 (libc only: no cgroup.c here). */
static bool
oom_killed(const char *cgdir)
{
  cleanup_free char *file = xasprintf("%s/memory.events", cgdir);
  cleanup_file FILE *f = fopen(file, "re");
  char line[128];
  unsigned long long n = 0;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "oom_kill %llu", &n) == 1)
      return n > 0;
  return false;
}

static void
remove_cgroup(const char *cgdir)
{
  /* The processes of a dead pid namespace take a moment to go. */
  for (int i = 0; i < 400; i++)
    {
      if (rmdir(cgdir) == 0 || errno == ENOENT)
        return;
      if (errno != EBUSY)
        break;
      struct timespec ts = { 0, 5 * 1000 * 1000 };
      nanosleep(&ts, NULL);
    }
  log_debug("cannot remove cgroup %s: %s", cgdir, strerror(errno));
}

void
cgroup_record_finish(const char *ctr_dir, int64_t started)
{
  cleanup_free char *cgdir = cgroup_record_read(ctr_dir);
  ctool_error_t err = NULL;
  if (cgdir && oom_killed(cgdir))
    {
      cleanup_free char *file = xasprintf("%s/" CGROUP_OOM_FILE, ctr_dir);
      cleanup_free char *text = xasprintf("%" PRId64 "\n", started);
      if (write_file_atomic_at(AT_FDCWD, file, text, strlen(text), 0600, false, &err) < 0)
        log_debug("%s", err->msg);
      ctool_error_free(&err);
    }
  if (cgdir)
    remove_cgroup(cgdir);
  if (cgroup_record_write(ctr_dir, NULL, &err) < 0)
    log_debug("%s", err->msg);
  ctool_error_free(&err);
}

bool
cgroup_record_oom(const char *ctr_dir, int64_t started)
{
  cleanup_free char *file = xasprintf("%s/" CGROUP_OOM_FILE, ctr_dir);
  cleanup_free char *text = NULL;
  if (read_file_at(AT_FDCWD, file, &text, NULL, 64, NULL) < 0)
    return false;
  return strtoll(text, NULL, 10) == started;
}
