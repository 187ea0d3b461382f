/* sandbox_exec: one more process inside a running container.
 *
 *   parent                      helper (fork)                 process (clone CLONE_PARENT)
 *   clone ------------------->  enter the container's cgroup,
 *                               setns: user first, then
 *                               mount, pid, uts, ipc, net,
 *                               cgroup (one pidfd call)
 *                               clone ---------------------->  in the container's pid ns,
 *   <-- PID ------------------  exit                           a child of the parent
 *   (the pty master may come before the PID: both are read in any order)
 *   before_start
 *   START ------------------------------------------------->  stdio/pty, user, caps,
 *   EOF or ERROR <------------------------------------------   seccomp; exec
 */
#include "sandbox.h"

#include "cgroup.h"
#include "jsonutil.h"
#include "sandbox-channel.h"
#include "sandbox-process.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the order they must be joined: the user namespace first, so that the
 * others (owned by it) can be entered with its capabilities. */
static const struct {
  const char *file;
  int flag;
} join_order[] = {
  { "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },   { "pid", CLONE_NEWPID },    { "uts", CLONE_NEWUTS },
  { "ipc", CLONE_NEWIPC },   { "net", CLONE_NEWNET },  { "cgroup", CLONE_NEWCGROUP },
};

struct join_plan {
  pid_t target;
  int pidfd;
  int flags;              /* the namespaces that differ from ours */
  int ns_fd[ARRAY_SIZE(join_order)];
  bool setgroups_allowed;
  const char *cgroup_path;
  struct sandbox_process proc;
};

static int
enter_cgroup(const char *dir, ctool_error_t *err)
{
  cleanup_free char *procs = xasprintf("%s/cgroup.procs", dir);
  int fd = open(procs, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return ctool_error_set(err, errno, "join the container's cgroup %s", dir);
  ssize_t n = write(fd, "0", 1);
  int e = errno;
  close(fd);
  if (n == 1)
    return 0;
  /* Moving needs write access to the common ancestor: from a cgroup that
   * is not the user's (an SSH login), the user's systemd does the move. */
  if ((e == EACCES || e == EPERM) && strstr(dir, ".scope/"))
    {
      if (cgroup_systemd_attach(dir, getpid(), err) == 0)
        return 0;
      return ctool_error_prefix(err, "join the container's cgroup");
    }
  return ctool_error_set(err, e, "join the container's cgroup %s", dir);
}

static bool
same_namespace(pid_t pid, const char *file)
{
  char path[64];
  struct stat theirs, ours;
  snprintf(path, sizeof path, "/proc/%d/ns/%s", (int) pid, file);
  if (stat(path, &theirs) < 0)
    return true;
  snprintf(path, sizeof path, "/proc/self/ns/%s", file);
  if (stat(path, &ours) < 0)
    return false;
  return theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev;
}

static bool
setgroups_allowed(pid_t pid)
{
  char path[64], buf[16] = "";
  snprintf(path, sizeof path, "/proc/%d/setgroups", (int) pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n > 0 && strncmp(buf, "allow", 5) == 0;
}

static int
join_plan_build(const struct sandbox_exec_config *c, struct join_plan *p, ctool_error_t *err)
{
  memset(p, 0, sizeof *p);
  p->pidfd = -1;
  for (size_t i = 0; i < ARRAY_SIZE(join_order); i++)
    p->ns_fd[i] = -1;
  p->target = c->container_pid;
  if (c->container_pid <= 0 || c->process == NULL)
    return ctool_error_set(err, EINVAL, "sandbox_exec: no container PID or no process");
  p->pidfd = (int) syscall(SYS_pidfd_open, c->container_pid, 0);
  if (p->pidfd < 0 && errno == ESRCH)
    return ctool_error_set(err, 0, "the container is not running (PID %d is gone)", (int) c->container_pid);
  for (size_t i = 0; i < ARRAY_SIZE(join_order); i++)
    if (!same_namespace(c->container_pid, join_order[i].file))
      p->flags |= join_order[i].flag;
  if (!(p->flags & CLONE_NEWUSER))
    return ctool_error_set(err, 0, "PID %d is not in a container's user namespace", (int) c->container_pid);
  /* Without pidfd setns (Linux < 5.8): the namespace files, opened now,
   * while the PID surely is the container's. */
  for (size_t i = 0; i < ARRAY_SIZE(join_order); i++)
    if (p->flags & join_order[i].flag)
      {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int) c->container_pid, join_order[i].file);
        p->ns_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (p->ns_fd[i] < 0)
          return ctool_error_set(err, errno, "open %s", path);
      }
  p->setgroups_allowed = setgroups_allowed(c->container_pid);
  p->cgroup_path = c->cgroup_path;
  int stdio[3] = { c->stdin_fd, c->stdout_fd, c->stderr_fd };
  json_object *seccomp = json_get_obj(json_get_obj(c->spec, "linux"), "seccomp");
  if (sandbox_process_build(c->process, seccomp, c->seccomp_cache_dir, stdio, &p->proc, err) < 0)
    return -1;
  security_seccomp_save(&p->proc.seccomp);
  return 0;
}

static void
join_plan_free(struct join_plan *p)
{
  if (p->pidfd >= 0)
    close(p->pidfd);
  for (size_t i = 0; i < ARRAY_SIZE(join_order); i++)
    if (p->ns_fd[i] >= 0)
      close(p->ns_fd[i]);
  sandbox_process_free(&p->proc);
}

static int
join_namespaces(const struct join_plan *p, ctool_error_t *err)
{
  if (p->pidfd >= 0 && setns(p->pidfd, p->flags) == 0)
    return 0;
  for (size_t i = 0; i < ARRAY_SIZE(join_order); i++)
    if (p->ns_fd[i] >= 0 && setns(p->ns_fd[i], join_order[i].flag) < 0)
      return ctool_error_set(err, errno, "join the container's %s namespace", join_order[i].file);
  return 0;
}

static _Noreturn void
helper_main(const struct join_plan *p, int sock)
{
  ctool_error_t err = NULL;
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  signals_reset_default();
  /* Into the container's cgroup while we still see the host's cgroupfs,
   * then its cgroup namespace: the process sees the cgroup as its root. */
  if (p->cgroup_path && enter_cgroup(p->cgroup_path, &err) < 0)
    channel_fail(sock, &err);
  if (join_namespaces(p, &err) < 0)
    channel_fail(sock, &err);
  /* A sibling of ours, so that the caller can wait for it; the first
   * process created in the pid namespace we joined. */
  pid_t pid = (pid_t) syscall(SYS_clone, CLONE_PARENT, NULL, NULL, NULL, NULL);
  if (pid < 0)
    {
      ctool_error_set(&err, errno, "create the process in the container");
      channel_fail(sock, &err);
    }
  if (pid == 0)
    {
      prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      sandbox_process_run(&p->proc, sock, p->setgroups_allowed, &err);
      channel_fail(sock, &err);
    }
  channel_send(sock, CHANNEL_PID, pid, NULL, -1);
  _exit(0);
}

/* The helper's report: the PID, or why it failed. The process it cloned
 * writes to the same socket and may send its pty master first (the two
 * race): keep that for channel_collect(). */
static int
read_pid(int sock, pid_t *pid, int *console_fd, ctool_error_t *err)
{
  for (;;)
    {
      struct channel_msg m;
      int fd = -1;
      int r = channel_recv(sock, &m, &fd);
      if (r < 0)
        return ctool_error_set(err, errno, "read from the exec helper");
      if (r == 0)
        return ctool_error_set(err, 0, "the exec helper died before it started the process");
      if (channel_take(&m, fd, console_fd, err) < 0)
        return -1;
      if (m.type == CHANNEL_PID && m.value > 0)
        {
          *pid = m.value;
          return 0;
        }
      if (m.type != CHANNEL_FD)
        return ctool_error_set(err, EPROTO, "read from the exec helper (unexpected message %d)", (int) m.type);
    }
}

int
sandbox_exec(const struct sandbox_exec_config *c, pid_t *pid_out, int *console_fd, ctool_error_t *err)
{
  struct join_plan plan;
  int sv[2] = { -1, -1 };
  pid_t helper = -1, pid = -1;
  int ret = -1, r;

  *pid_out = -1;
  if (console_fd)
    *console_fd = -1;
  if (join_plan_build(c, &plan, err) < 0)
    goto out;
  plan.proc.bind_console = false;
  if (channel_open(sv, err) < 0)
    goto out;
  helper = (pid_t) syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
  if (helper < 0)
    {
      ctool_error_set(err, errno, "fork");
      goto out;
    }
  if (helper == 0)
    {
      close(sv[0]);
      helper_main(&plan, sv[1]);
    }
  close(sv[1]);
  sv[1] = -1;
  r = read_pid(sv[0], &pid, console_fd, err);
  while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
    ;
  if (r < 0)
    {
      if (console_fd && *console_fd >= 0)
        {
          close(*console_fd);
          *console_fd = -1;
        }
      goto out;
    }
  if (c->before_start && c->before_start(c->before_start_data, pid, err) < 0)
    goto fail;
  channel_send(sv[0], CHANNEL_START, 0, NULL, -1);
  if (channel_collect(sv[0], console_fd, "read from the process in the container", err) < 0)
    goto fail;
  *pid_out = pid;
  ret = 0;
  goto out;
fail:
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  if (console_fd && *console_fd >= 0)
    {
      close(*console_fd);
      *console_fd = -1;
    }
out:
  for (int i = 0; i < 2; i++)
    if (sv[i] >= 0)
      close(sv[i]);
  join_plan_free(&plan);
  return ret;
}
