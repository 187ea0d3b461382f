/* sandbox_start: from an OCI spec to an isolated, exec'd container process.
 *
 *   parent                                 child (clone: new user, mount, pid, ...)
 *   namespaces from the spec
 *   clone ------------------------------>  plan: parse the spec, read the
 *   start newuidmap/newgidmap (userns.c)     cached seccomp filter (or compile
 *   place (cgroup) while they run            it), all while the maps are written
 *   reap newuidmap/newgidmap
 *   GO --------------------------------->  unshare the cgroup namespace (its
 *                                           root is the cgroup just entered),
 *                                           cache a new filter, join namespaces
 *   before_start (slirp4netns, state)       given by path, hostname, mounts,
 *                                           pivot_root, stdio/pty, user, caps,
 *   START ------------------------------>  seccomp; wait for START; exec
 *   EOF (the child's end closes on exec) or ERROR + message
 *
 * With join_userns (the pause process's namespace, already mapped) there
 * are no map helpers: a forked process joins that namespace and clones
 * the child there as the caller's (CLONE_PARENT), so the child's other
 * namespaces belong to it; GO follows the placement at once.
 */
#include "sandbox.h"

#include "jsonutil.h"
#include "rootfs.h"
#include "sandbox-channel.h"
#include "sandbox-process.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
  const char *name;
  int flag;
} namespace_types[] = {
  { "user", CLONE_NEWUSER }, { "mount", CLONE_NEWNS },  { "pid", CLONE_NEWPID },
  { "network", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
  { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

#define MAX_JOINS 8

struct start_plan {
  unsigned long clone_flags;
  bool new_cgroupns;   /* unshared after placement, not cloned */
  int join_fd[MAX_JOINS];
  int join_type[MAX_JOINS];
  const char *join_name[MAX_JOINS];
  size_t n_joins;
  char *hostname;
  char *domainname;
  bool setgroups_allowed;
  struct rootfs_plan rootfs;
  struct sandbox_process proc;
};

static void
start_plan_free(struct start_plan *p)
{
  for (size_t i = 0; i < p->n_joins; i++)
    close(p->join_fd[i]);
  free(p->hostname);
  free(p->domainname);
  rootfs_plan_free(&p->rootfs);
  sandbox_process_free(&p->proc);
}

static int
namespaces_parse(json_object *spec, bool host_network, struct start_plan *p, ctool_error_t *err)
{
  json_object *list = json_get_array(json_get_obj(spec, "linux"), "namespaces");
  p->clone_flags = CLONE_NEWUSER | CLONE_NEWNS;
  for (size_t i = 0; list && i < json_object_array_length(list); i++)
    {
      json_object *ns = json_object_array_get_idx(list, i);
      const char *type = json_get_str(ns, "type");
      const char *path = json_get_str(ns, "path");
      size_t t;
      for (t = 0; t < ARRAY_SIZE(namespace_types); t++)
        if (type && strcmp(type, namespace_types[t].name) == 0)
          break;
      if (t == ARRAY_SIZE(namespace_types))
        return ctool_error_set(err, 0, "config.json: unknown namespace type '%s'", type ? type : "");
      int flag = namespace_types[t].flag;
      if (flag == CLONE_NEWNET && host_network)
        continue;
      if (flag == CLONE_NEWTIME)
        return ctool_error_set(err, 0, "config.json: time namespaces are not supported");
      if (path == NULL || *path == '\0')
        {
          p->clone_flags |= (unsigned long) flag;
          continue;
        }
      if (flag == CLONE_NEWUSER || flag == CLONE_NEWNS || flag == CLONE_NEWPID)
        return ctool_error_set(err, 0, "config.json: joining an existing %s namespace (%s) is not supported", type,
                               path);
      if (p->n_joins == MAX_JOINS)
        return ctool_error_set(err, 0, "config.json: too many namespaces to join");
      int fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return ctool_error_set(err, errno, "open the %s namespace %s", type, path);
      p->join_fd[p->n_joins] = fd;
      p->join_type[p->n_joins] = flag;
      p->join_name[p->n_joins++] = namespace_types[t].name;
    }
  return 0;
}

/* The parent's part: what clone needs. */
static int
start_plan_namespaces(const struct sandbox_config *c, struct start_plan *p, ctool_error_t *err)
{
  memset(p, 0, sizeof *p);
  if (c->spec == NULL || c->idmap == NULL)
    return ctool_error_set(err, EINVAL, "sandbox_start: no spec or no ID map");
  return namespaces_parse(c->spec, c->host_network, p, err);
}

/* The child's part, done while the parent writes the ID maps: only memory
 * and reading files (an unmapped user may not create any). */
static int
start_plan_build(const struct sandbox_config *c, struct start_plan *p, ctool_error_t *err)
{
  const char *hostname = json_get_str(c->spec, "hostname");
  const char *domainname = json_get_str(c->spec, "domainname");
  p->hostname = hostname && *hostname ? xstrdup(hostname) : NULL;
  p->domainname = domainname && *domainname ? xstrdup(domainname) : NULL;
  p->setgroups_allowed = !c->idmap->single;
  if (rootfs_plan_build(c->spec, c->rootfs_dir, c->overlay, c->lower_dirs, c->upper_dir, c->work_dir, &p->rootfs,
                        err) < 0)
    return -1;
  p->rootfs.volatile_upper = c->volatile_upper;
  p->rootfs.host_pid = !(p->clone_flags & CLONE_NEWPID);
  p->rootfs.single_map = c->idmap->single;
  int stdio[3] = { c->stdin_fd, c->stdout_fd, c->stderr_fd };
  json_object *seccomp = json_get_obj(json_get_obj(c->spec, "linux"), "seccomp");
  if (sandbox_process_build(json_get_obj(c->spec, "process"), seccomp, c->seccomp_cache_dir, stdio, &p->proc, err)
      < 0)
    return -1;
  const char *init = json_get_str(json_get_obj(c->spec, "annotations"), SANDBOX_INIT_ANNOTATION);
  p->proc.init = init && strcmp(init, "true") == 0;
  p->proc.bind_console = true;
  return 0;
}

static int
child_setup(const struct start_plan *p, int sock, ctool_error_t *err)
{
  for (size_t i = 0; i < p->n_joins; i++)
    if (setns(p->join_fd[i], p->join_type[i]) < 0)
      return ctool_error_set(err, errno, "join the %s namespace", p->join_name[i]);
  if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
    return ctool_error_set(err, errno, "set the hostname to '%s'", p->hostname);
  if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
    return ctool_error_set(err, errno, "set the domain name to '%s'", p->domainname);
  if (rootfs_setup(&p->rootfs, err) < 0)
    return -1;
  return sandbox_process_run(&p->proc, sock, p->setgroups_allowed, err);
}

static _Noreturn void
child_main(const struct sandbox_config *c, struct start_plan *p, int sock)
{
  ctool_error_t err = NULL;
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  signals_reset_default();
  int r = start_plan_build(c, p, &err);
  /* Report only after GO: the parent is busy with the maps until then. */
  channel_wait(sock, CHANNEL_GO);
  if (r < 0)
    channel_fail(sock, &err);
  /* The parent has placed us in our cgroup: a cgroup namespace made now
   * has it as its root (cloned with one, we would see "/../ctool-ID"). */
  if (p->new_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
    {
      ctool_error_set(&err, errno, "create the cgroup namespace");
      channel_fail(sock, &err);
    }
  if (p->proc.has_seccomp)
    log_debug("sandbox: seccomp filter %s", p->proc.seccomp.from_cache ? "cached" : "compiled");
  security_seccomp_save(&p->proc.seccomp);
  child_setup(p, sock, &err);
  channel_fail(sock, &err);
}

static int
clone_error(int e, ctool_error_t *err)
{
  if (e == EPERM || e == ENOSPC || e == EUSERS)
    return ctool_error_set(err, e, "cannot create the container's namespaces: check that unprivileged user "
                                   "namespaces are enabled (sysctl user.max_user_namespaces, "
                                   "kernel.unprivileged_userns_clone)");
  if (e == EINVAL)
    return ctool_error_set(err, e, "cannot create the container's namespaces (is ctool multi-threaded here?)");
  return ctool_error_set(err, e, "cannot create the container process");
}

/* clone(2) with FLAGS; into the cgroup CGROUP_FD (>= 0) at once when the
 * kernel can (clone3 CLONE_INTO_CGROUP, Linux 5.7), else as usual. With
 * CLONE_PARENT the child's exit signal is the caller's (clone3 wants 0). */
static pid_t
clone_child(unsigned long flags, int cgroup_fd, bool *in_cgroup)
{
  *in_cgroup = false;
  if (cgroup_fd >= 0)
    {
      struct clone_args args = {
        .flags = flags | CLONE_INTO_CGROUP,
        .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD,
        .cgroup = (uint64_t) cgroup_fd,
      };
      pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof args);
      if (pid >= 0)
        {
          *in_cgroup = true;
          return pid;
        }
      log_debug("sandbox: clone3 into the cgroup: %s; cloning as usual", strerror(errno));
    }
  return (pid_t) syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* What the short-lived process that clones into a joined user namespace
 * tells the caller. */
struct joined_clone {
  pid_t pid;
  int errnum;
  bool in_cgroup;
  bool joined;
};

/* The child, cloned inside the user namespace USERNS_FD: a process that
 * joins it (only a single-threaded process may, and ctool must stay
 * outside) clones the child as the caller's (CLONE_PARENT), its other new
 * namespaces then owned by the joined one, and exits. */
static pid_t
clone_child_in_userns(int userns_fd, unsigned long flags, int cgroup_fd, bool *in_cgroup, int *errnum,
                      bool *joined)
{
  int report[2];
  *in_cgroup = false;
  if (pipe2(report, O_CLOEXEC) < 0)
    return -1;
  pid_t helper = fork();
  if (helper < 0)
    {
      close(report[0]);
      close(report[1]);
      return -1;
    }
  if (helper == 0)
    {
      struct joined_clone r = { .pid = -1 };
      close(report[0]);
      if (setns(userns_fd, CLONE_NEWUSER) < 0)
        r.errnum = errno;
      else
        {
          r.joined = true;
          r.pid = clone_child(flags | CLONE_PARENT, cgroup_fd, &r.in_cgroup);
          if (r.pid == 0)
            {
              close(report[1]);
              return 0; /* the container process */
            }
          r.errnum = r.pid < 0 ? errno : 0;
        }
      _exit(write(report[1], &r, sizeof r) == (ssize_t) sizeof r ? 0 : 1);
    }
  close(report[1]);
  struct joined_clone r = { .pid = -1, .errnum = EIO };
  ssize_t n;
  do
    n = read(report[0], &r, sizeof r);
  while (n < 0 && errno == EINTR);
  close(report[0]);
  while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
    ;
  if (n != (ssize_t) sizeof r)
    r = (struct joined_clone){ .pid = -1, .errnum = EIO };
  *joined = r.joined;
  *in_cgroup = r.in_cgroup;
  *errnum = r.errnum;
  errno = r.errnum;
  return r.pid;
}

static double
ms_since(const struct timespec *t0)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double) (t.tv_sec - t0->tv_sec) * 1e3 + (double) (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void
kill_and_reap(pid_t pid)
{
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

/* The ID maps, and the placement while newuidmap and newgidmap run (the
 * child waits for GO before anything that needs either). *PLACED: from
 * then on, cleaning the cgroup up is the caller's. */
static int
write_maps_and_place(const struct sandbox_config *c, pid_t pid, bool *placed, ctool_error_t *err)
{
  struct userns_maps maps;
  if (userns_maps_begin(pid, c->idmap, &maps, err) < 0)
    return -1;
  *placed = true;
  ctool_error_t place_err = NULL;
  int place_r = c->place ? c->place(c->place_data, pid, &place_err) : 0;
  if (userns_maps_end(&maps, err) < 0)
    {
      ctool_error_free(&place_err);
      return -1;
    }
  if (place_r < 0)
    {
      *err = steal_pointer(&place_err);
      return -1;
    }
  return 0;
}

int
sandbox_start(const struct sandbox_config *c, pid_t *pid_out, int *console_fd, ctool_error_t *err)
{
  struct start_plan plan;
  int sv[2] = { -1, -1 };
  pid_t pid = -1;
  int ret = -1;
  int cgroup_fd = -1;
  cleanup_free char *cgroup_path = NULL;
  bool placed = false, in_cgroup = false;

  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  *pid_out = -1;
  if (console_fd)
    *console_fd = -1;
  if (start_plan_namespaces(c, &plan, err) < 0)
    goto out;
  plan.new_cgroupns = (plan.clone_flags & CLONE_NEWCGROUP) != 0;
  plan.clone_flags &= ~(unsigned long) CLONE_NEWCGROUP;
  if (channel_open(sv, err) < 0)
    goto out;
  if (c->precreate && c->precreate(c->place_data, &cgroup_fd, &cgroup_path, err) < 0)
    goto out;
  if (c->join_userns)
    {
      int e = 0;
      bool joined = false;
      plan.clone_flags &= ~(unsigned long) CLONE_NEWUSER;
      pid = clone_child_in_userns(c->userns_fd, plan.clone_flags, cgroup_fd, &in_cgroup, &e, &joined);
      if (pid < 0 && !joined)
        {
          ctool_error_set(err, e, "cannot join the user namespace of the pause process ('ctool system migrate' "
                                  "ends it; the next start makes a new one)");
          goto out;
        }
      errno = e;
    }
  else
    pid = clone_child(plan.clone_flags, cgroup_fd, &in_cgroup);
  if (pid < 0)
    {
      clone_error(errno, err);
      goto out;
    }
  if (pid == 0)
    {
      close(sv[0]);
      child_main(c, &plan, sv[1]);
    }
  close(sv[1]);
  sv[1] = -1;
  if (c->join_userns)
    {
      placed = true;
      if (c->place && c->place(c->place_data, pid, err) < 0)
        goto fail;
    }
  else if (write_maps_and_place(c, pid, &placed, err) < 0)
    goto fail;
  log_debug("sandbox: cloned%s%s, placed%s: %.2f ms", in_cgroup ? " into its cgroup" : "",
            c->join_userns ? " in the pause process's user namespace" : "",
            c->join_userns ? "" : " and ID maps written", ms_since(&t0));
  if (channel_send(sv[0], CHANNEL_GO, 0, NULL, -1) < 0)
    {
      channel_collect(sv[0], console_fd, "read from the container process", err);
      goto fail;
    }
  /* The child mounts while the hooks run. */
  if (c->before_start && c->before_start(c->before_start_data, pid, err) < 0)
    goto fail;
  channel_send(sv[0], CHANNEL_START, 0, NULL, -1); /* a dead child is reported below */
  if (channel_collect(sv[0], console_fd, "read from the container process", err) < 0)
    goto fail;
  log_debug("sandbox: exec'd as PID %d: %.2f ms", (int) pid, ms_since(&t0));
  *pid_out = pid;
  ret = 0;
  goto out;
fail:
  kill_and_reap(pid);
  if (console_fd && *console_fd >= 0)
    {
      close(*console_fd);
      *console_fd = -1;
    }
out:
  for (int i = 0; i < 2; i++)
    if (sv[i] >= 0)
      close(sv[i]);
  if (cgroup_fd >= 0)
    close(cgroup_fd);
  if (cgroup_path && !placed)
    rmdir(cgroup_path); /* empty: the child is gone or never was */
  start_plan_free(&plan);
  return ret;
}
