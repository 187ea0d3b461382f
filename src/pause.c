/* The per-user pause process (see pause.h).
 *
 *   ctool                      middle                 pause-to-be
 *   fork --------------------> setsid, fork --------> unshare(CLONE_NEWUSER)
 *                              exit                   send its PID
 *   newuidmap, newgidmap PID                          wait
 *   send GO ----------------------------------------> exec ctool-pause
 *   EOF (exec'd) or its error
 *   write RUNROOT/pause.pid
 *
 * The middle process makes it nobody's child (init or the user's
 * subreaper reaps it) and puts it in a session of its own. */
#include "pause.h"

#include "fsutil.h"
#include "libexec.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct pause_msg {
  int32_t pid;
  int32_t errnum;
  int32_t step;   /* 0 unshare, 1 exec */
};

struct pause_record {
  pid_t pid;
  unsigned long long start;
};

static char *
runroot_file(const char *runroot, const char *name)
{
  return xasprintf("%s/%s", runroot, name);
}

static bool
record_read(const char *runroot, struct pause_record *r)
{
  cleanup_free char *path = runroot_file(runroot, PAUSE_PID_FILE);
  char buf[64];
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  read_fd_text(fd, buf, sizeof buf, NULL);
  long long pid;
  if (sscanf(buf, "%lld %llu", &pid, &r->start) != 2 || pid <= 0 || pid > INT32_MAX)
    return false;
  r->pid = (pid_t) pid;
  return true;
}

/* The ranges of /proc/PID/FILE are exactly SIDE (in any order). */
static bool
proc_map_is(pid_t pid, const char *file, const struct idmap_range *side, size_t n)
{
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/%s", (int) pid, file);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  read_fd_text(fd, buf, sizeof buf, NULL);
  size_t lines = 0;
  for (char *line = buf, *next; line && *line; line = next)
    {
      next = strchr(line, '\n');
      if (next)
        *next++ = '\0';
      unsigned int inside, outside, count;
      if (sscanf(line, "%u %u %u", &inside, &outside, &count) != 3)
        return false;
      bool found = false;
      for (size_t i = 0; i < n && !found; i++)
        found = side[i].container_id == inside && side[i].host_id == outside && side[i].size == count;
      if (!found)
        return false;
      lines++;
    }
  return lines == n;
}

/* The user namespace of R's process when it is alive, this user's, and
 * mapped as MAP; else -1 and *STALE says whether it was only the map. */
static int
record_userns(const struct pause_record *r, const struct idmap *map, bool *stale)
{
  *stale = false;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int) r->pid);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  /* Checked after the open: the fd is then that process's namespace. */
  if (fd < 0 || !proc_same(r->pid, r->start))
    return -1;
  uid_t owner;
  if (ioctl(fd, NS_GET_OWNER_UID, &owner) < 0 ? errno != ENOTTY && errno != EINVAL : owner != getuid())
    return -1; /* (a kernel before 4.11 cannot tell: the start time has to do) */
  if (!proc_map_is(r->pid, "uid_map", map->uid, map->n_uid) || !proc_map_is(r->pid, "gid_map", map->gid, map->n_gid))
    {
      *stale = true;
      return -1;
    }
  return steal_fd(&fd);
}

/* ---- starting one ---- */

static void
msg_send(int sock, pid_t pid, int errnum, int step)
{
  struct pause_msg m = { .pid = pid, .errnum = errnum, .step = step };
  while (send(sock, &m, sizeof m, MSG_NOSIGNAL) < 0 && errno == EINTR)
    ;
}

/* 1 with a message, 0 at EOF, -1 on error. */
static int
msg_recv(int sock, struct pause_msg *m)
{
  ssize_t n;
  do
    n = recv(sock, m, sizeof *m, 0);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    return 0;
  return n == (ssize_t) sizeof *m ? 1 : -1;
}

static _Noreturn void
pause_child(int sock, const char *exe)
{
  if (setsid() < 0)
    _exit(1);
  pid_t pid = fork();
  if (pid != 0)
    _exit(pid < 0 ? 1 : 0);
  if (unshare(CLONE_NEWUSER) < 0)
    {
      msg_send(sock, getpid(), errno, 0);
      _exit(1);
    }
  msg_send(sock, getpid(), 0, 0);
  char go;
  ssize_t n;
  do
    n = recv(sock, &go, 1, 0);
  while (n < 0 && errno == EINTR);
  if (n != 1)
    _exit(1); /* ctool gave up (the maps failed) */
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0 || chdir("/") < 0)
    {
      msg_send(sock, getpid(), errno, 1);
      _exit(1);
    }
  /* Only the socket stays until the exec (to report a failed one). */
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  signals_reset_default();
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  char *argv[] = { (char *) "ctool-pause", NULL };
  execv(exe, argv);
  msg_send(sock, getpid(), errno, 1);
  _exit(127);
}

static void
reap(pid_t pid)
{
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

static int
record_write(const char *runroot, const struct pause_record *r, ctool_error_t *err)
{
  char text[64];
  int len = snprintf(text, sizeof text, "%d %llu\n", (int) r->pid, r->start);
  cleanup_close int dirfd = open(runroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return ctool_error_set(err, errno, "open %s", runroot);
  return write_file_atomic_at(dirfd, PAUSE_PID_FILE, text, (size_t) len, 0600, false, err);
}

/* A new pause process with MAP, recorded in RUNROOT before it may exec:
 * a ctool killed at any point leaves no pause process that is not
 * recorded (before GO, it ends on the socket's EOF). */
static int
pause_spawn(const char *runroot, const struct idmap *map, struct pause_record *rec, ctool_error_t *err)
{
  cleanup_free char *exe = NULL;
  if (libexec_find("ctool-pause", &exe, err) < 0)
    return -1;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return ctool_error_set(err, errno, "create a socket pair for the pause process");
  cleanup_close int sock = sv[0];
  pid_t middle = fork();
  if (middle < 0)
    {
      close(sv[1]);
      return ctool_error_set(err, errno, "fork the pause process");
    }
  if (middle == 0)
    {
      close(sv[0]);
      pause_child(sv[1], exe);
    }
  close(sv[1]);
  reap(middle);
  struct pause_msg m;
  if (msg_recv(sock, &m) != 1)
    return ctool_error_set(err, 0, "the pause process ended before it made its user namespace");
  if (m.errnum)
    return ctool_error_set(err, m.errnum,
                           "cannot create a user namespace (run 'ctool info' to see why and how to fix it)");
  pid_t pid = m.pid;
  if (userns_write_maps(pid, map, err) < 0)
    {
      kill(pid, SIGKILL); /* it also ends on the socket's EOF */
      return -1;
    }
  rec->pid = pid;
  if (proc_start_time(pid, &rec->start) < 0)
    return ctool_error_set(err, errno, "the pause process %d ended at once", (int) pid);
  if (record_write(runroot, rec, err) < 0)
    {
      kill(pid, SIGKILL);
      return -1;
    }
  char go = 'G';
  int r = send(sock, &go, 1, MSG_NOSIGNAL) == 1 ? msg_recv(sock, &m) : -1;
  if (r != 0)
    {
      kill(pid, SIGKILL);
      cleanup_free char *path = runroot_file(runroot, PAUSE_PID_FILE);
      unlink(path);
      return ctool_error_set(err, r > 0 ? m.errnum : errno, "run %s", exe);
    }
  return 0;
}

/* Under the lock: the recorded one when it still fits, else a new one
 * (and the one whose map went stale ends). */
static int
userns_open_locked(const char *runroot, const struct idmap *map, ctool_error_t *err)
{
  struct pause_record old = { 0 }, fresh;
  bool stale = false;
  if (record_read(runroot, &old))
    {
      int fd = record_userns(&old, map, &stale);
      if (fd >= 0)
        return fd;
    }
  if (pause_spawn(runroot, map, &fresh, err) < 0)
    return -1;
  /* The one replaced ends: a recorded process (PID and start time) is
   * always ours, and only one may stay. */
  if (old.pid > 0 && old.pid != fresh.pid && proc_same(old.pid, old.start))
    {
      log_debug("pause: process %d replaced%s", (int) old.pid,
                stale ? " (other ID maps: /etc/subuid or /etc/subgid changed)" : "");
      kill(old.pid, SIGKILL);
    }
  log_debug("pause: started process %d", (int) fresh.pid);
  int fd = record_userns(&fresh, map, &stale);
  if (fd < 0)
    return ctool_error_set(err, 0, "the pause process %d has not the ID maps asked for", (int) fresh.pid);
  return fd;
}

int
pause_userns_open_running(const char *runroot, const struct idmap *map)
{
  struct pause_record r;
  bool stale;
  return record_read(runroot, &r) ? record_userns(&r, map, &stale) : -1;
}

int
pause_userns_open(const char *runroot, const struct idmap *map, ctool_error_t *err)
{
  int fd = pause_userns_open_running(runroot, map);
  if (fd >= 0)
    return fd;
  /* The runroot may be new (a tmpfs after a reboot). */
  if (mkdir_p(runroot, 0700, err) < 0)
    return -1;
  cleanup_free char *lock_path = runroot_file(runroot, PAUSE_LOCK_FILE);
  cleanup_close int lock = open_locked(lock_path, true, err);
  if (lock < 0)
    return -1;
  return userns_open_locked(runroot, map, err);
}

pid_t
pause_pid(const char *runroot)
{
  struct pause_record r;
  return record_read(runroot, &r) && proc_same(r.pid, r.start) ? r.pid : 0;
}

int
pause_stop(const char *runroot, bool *stopped, ctool_error_t *err)
{
  if (stopped)
    *stopped = false;
  cleanup_free char *lock_path = runroot_file(runroot, PAUSE_LOCK_FILE);
  if (access(runroot, F_OK) < 0)
    return 0;
  cleanup_close int lock = open_locked(lock_path, true, err);
  if (lock < 0)
    return -1;
  struct pause_record r;
  if (record_read(runroot, &r) && proc_same(r.pid, r.start) && kill(r.pid, SIGKILL) == 0 && stopped)
    *stopped = true;
  cleanup_free char *path = runroot_file(runroot, PAUSE_PID_FILE);
  if (unlink(path) < 0 && errno != ENOENT)
    return ctool_error_set(err, errno, "remove %s", path);
  return 0;
}
