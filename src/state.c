#include "state.h"
#include "cgroup-record.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *const status_names[] = {
  [CTR_CREATED] = "created",
  [CTR_RUNNING] = "running",
  [CTR_STOPPING] = "stopping",
  [CTR_PAUSED] = "paused",
  [CTR_EXITED] = "exited",
};

const char *
ctr_status_name(enum ctr_status s)
{
  return (size_t) s < ARRAY_SIZE(status_names) ? status_names[s] : "unknown";
}

int
ctr_status_parse(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(status_names); i++)
    if (name && strcmp(name, status_names[i]) == 0)
      return (int) i;
  return -1;
}

/* /proc/PID/stat: "pid (comm) S ppid ... starttime(22) ...". comm may hold
 * spaces and parentheses, so fields are counted from the last ')'. A zombie
 * counts as gone: it has exited and only waits to be reaped. */
int
proc_start_time(pid_t pid, unsigned long long *out)
{
  if (pid <= 0)
    {
      errno = ESRCH;
      return -1;
    }
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  if (p == NULL || p[1] != ' ')
    {
      errno = EINVAL;
      return -1;
    }
  p += 2; /* field 3, the state */
  if (*p == 'Z' || *p == 'X')
    {
      errno = ESRCH;
      return -1;
    }
  for (int field = 3; field < 22; field++)
    {
      p = strchr(p, ' ');
      if (p == NULL)
        {
          errno = EINVAL;
          return -1;
        }
      p++;
    }
  *out = strtoull(p, NULL, 10);
  return 0;
}

bool
proc_same(pid_t pid, unsigned long long start)
{
  unsigned long long now;
  return proc_start_time(pid, &now) == 0 && now == start;
}

int
pidfd_open_same(pid_t pid, unsigned long long start)
{
  int fd = (int) syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return -1;
  if (!proc_same(pid, start))
    {
      close(fd);
      errno = ESRCH;
      return -1;
    }
  return fd;
}

bool
pidfd_wait(int fd, int ms)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };
  for (;;)
    {
      int r = poll(&p, 1, ms);
      if (r < 0 && errno == EINTR)
        continue;
      return r > 0;
    }
}

void
format_time_rfc3339(char *buf, size_t len, int64_t ns)
{
  if (ns <= 0)
    {
      snprintf(buf, len, "0001-01-01T00:00:00Z");
      return;
    }
  time_t secs = (time_t) (ns / 1000000000);
  long frac = (long) (ns % 1000000000);
  struct tm tm;
  localtime_r(&secs, &tm);
  char date[32], zone[24], fracs[16] = "";
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  if (frac)
    {
      /* Go's RFC3339Nano drops trailing zeros. */
      snprintf(fracs, sizeof fracs, ".%09ld", frac);
      for (size_t i = strlen(fracs) - 1; fracs[i] == '0'; i--)
        fracs[i] = '\0';
    }
  if (tm.tm_gmtoff == 0)
    snprintf(zone, sizeof zone, "Z");
  else
    {
      long off = tm.tm_gmtoff % 86400;
      char sign = off < 0 ? '-' : '+';
      off = off < 0 ? -off : off;
      snprintf(zone, sizeof zone, "%c%02ld:%02ld", sign, off / 3600, (off % 3600) / 60);
    }
  snprintf(buf, len, "%s%s%s", date, fracs, zone);
}

static void
apply_exit_record(const char *dir, struct ctr_state *st, bool same_run_only)
{
  int64_t started, finished;
  int code;
  if (exit_record_read(dir, &started, &finished, &code) < 0)
    return;
  if (same_run_only && started != st->started_at)
    return;
  st->started_at = started;
  if (finished > 0)
    {
      st->finished_at = finished;
      st->exit_code = code;
      st->oom_killed = cgroup_record_oom(dir, started);
    }
}

/* A recorded "running" becomes what is true now. */
static void
check_liveness(const char *dir, struct ctr_state *st)
{
  if (st->status != CTR_RUNNING && st->status != CTR_STOPPING && st->status != CTR_PAUSED)
    return;
  if (proc_same(st->pid, st->pid_start))
    return;
  apply_exit_record(dir, st, true);
  if (st->finished_at == 0 && proc_same(st->monitor_pid, st->monitor_start))
    {
      /* Gone, and its monitor is about to record how: still stopping. */
      st->status = CTR_STOPPING;
      return;
    }
  st->status = CTR_EXITED;
}

static int
state_from_json(json_object *o, struct ctr_state *st, ctool_error_t *err)
{
  int s = ctr_status_parse(json_get_str(o, "status"));
  if (s < 0)
    return ctool_error_set(err, 0, "state.json: unknown status '%s'", json_get_str(o, "status"));
  st->status = (enum ctr_status) s;
  st->pid = (pid_t) json_get_int(o, "pid", 0);
  st->pid_start = (unsigned long long) json_get_int(o, "pid_start", 0);
  st->monitor_pid = (pid_t) json_get_int(o, "monitor_pid", 0);
  st->monitor_start = (unsigned long long) json_get_int(o, "monitor_start", 0);
  st->started_at = json_get_int(o, "started_at", 0);
  st->finished_at = json_get_int(o, "finished_at", 0);
  st->exit_code = (int) json_get_int(o, "exit_code", -1);
  st->oom_killed = json_get_bool(o, "oom_killed", false);
  return 0;
}

int
state_load(const char *dir, const char *rundir, struct ctr_state *st, ctool_error_t *err)
{
  memset(st, 0, sizeof *st);
  st->exit_code = -1;
  cleanup_free char *path = xasprintf("%s/state.json", rundir);
  cleanup_json json_object *o = NULL;
  if (access(path, F_OK) < 0)
    {
      if (errno != ENOENT)
        return ctool_error_set(err, errno, "read %s", path);
      /* Never started, or started before the runtime directory was lost. */
      apply_exit_record(dir, st, false);
      st->status = st->started_at ? CTR_EXITED : CTR_CREATED;
      return 0;
    }
  if (json_read_file_at(AT_FDCWD, path, &o, err) < 0 || state_from_json(o, st, err) < 0)
    return -1;
  if (st->status == CTR_EXITED)
    apply_exit_record(dir, st, true);
  check_liveness(dir, st);
  return 0;
}

int
state_save(const char *rundir, const struct ctr_state *st, ctool_error_t *err)
{
  if (mkdir_p(rundir, 0700, err) < 0)
    return -1;
  cleanup_json json_object *o = json_object_new_object();
  json_object_object_add(o, "status", json_object_new_string(ctr_status_name(st->status)));
  json_object_object_add(o, "pid", json_object_new_int64(st->pid));
  json_object_object_add(o, "pid_start", json_object_new_int64((int64_t) st->pid_start));
  json_object_object_add(o, "monitor_pid", json_object_new_int64(st->monitor_pid));
  json_object_object_add(o, "monitor_start", json_object_new_int64((int64_t) st->monitor_start));
  json_object_object_add(o, "started_at", json_object_new_int64(st->started_at));
  json_object_object_add(o, "finished_at", json_object_new_int64(st->finished_at));
  json_object_object_add(o, "exit_code", json_object_new_int64(st->exit_code));
  json_object_object_add(o, "oom_killed", json_object_new_boolean(st->oom_killed));
  cleanup_free char *path = xasprintf("%s/state.json", rundir);
  return json_write_file_at(AT_FDCWD, path, o, 0600, err);
}
