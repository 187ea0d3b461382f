/* The last steps of a container process; see sandbox-process.h. */
#include "sandbox-process.h"

#include "fsutil.h"
#include "jsonutil.h"
#include "sandbox-channel.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* A member of any type (json_get_obj only returns objects). */
static json_object *
member(json_object *o, const char *key)
{
  json_object *v;
  return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int
user_parse(json_object *user, struct sandbox_process *p, ctool_error_t *err)
{
  int64_t uid = json_get_int(user, "uid", 0), gid = json_get_int(user, "gid", 0);
  if (uid < 0 || uid > UINT32_MAX - 1 || gid < 0 || gid > UINT32_MAX - 1)
    return ctool_error_set(err, 0, "config.json: process.user has an invalid uid or gid");
  p->uid = (uid_t) uid;
  p->gid = (gid_t) gid;
  json_object *gids = json_get_array(user, "additionalGids");
  p->n_gids = gids ? json_object_array_length(gids) : 0;
  p->gids = xzalloc((p->n_gids ? p->n_gids : 1) * sizeof(gid_t));
  for (size_t i = 0; i < p->n_gids; i++)
    p->gids[i] = (gid_t) json_object_get_int64(json_object_array_get_idx(gids, i));
  json_object *umask_ = member(user, "umask");
  if (umask_)
    {
      p->has_umask = true;
      p->umask = (mode_t) json_object_get_int(umask_) & 0777;
    }
  return 0;
}

int
sandbox_process_build(json_object *process, json_object *seccomp, const char *seccomp_cache_dir,
                      const int stdio[3], struct sandbox_process *out, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  for (int i = 0; i < 3; i++)
    out->stdio[i] = stdio ? stdio[i] : -1;
  if (process == NULL)
    return ctool_error_set(err, 0, "config.json: no process section");
  out->args = json_strv_get(json_get_array(process, "args"));
  if (out->args[0] == NULL || out->args[0][0] == '\0')
    return ctool_error_set(err, 0, "no command specified: process.args is empty");
  out->env = json_strv_get(json_get_array(process, "env"));
  const char *cwd = json_get_str(process, "cwd");
  out->cwd = xstrdup(cwd && *cwd ? cwd : "/");
  if (out->cwd[0] != '/')
    return ctool_error_set(err, 0, "the working directory '%s' is not an absolute path", out->cwd);
  if (user_parse(json_get_obj(process, "user"), out, err) < 0)
    return -1;
  out->terminal = json_get_bool(process, "terminal", false);
  json_object *size = json_get_obj(process, "consoleSize");
  out->rows = (unsigned short) json_get_int(size, "height", 0);
  out->cols = (unsigned short) json_get_int(size, "width", 0);
  json_object *oom = member(process, "oomScoreAdj");
  if (oom)
    {
      out->has_oom_score_adj = true;
      out->oom_score_adj = json_object_get_int(oom);
    }
  if (security_caps_parse(json_get_obj(process, "capabilities"), &out->caps, err) < 0)
    return -1;
  if (security_rlimits_parse(json_get_array(process, "rlimits"), &out->rlimits, &out->n_rlimits, err) < 0)
    return -1;
  out->no_new_privs = json_get_bool(process, "noNewPrivileges", false);
  if (seccomp)
    {
      if (security_seccomp_prepare(seccomp, seccomp_cache_dir, &out->seccomp, err) < 0)
        return -1;
      out->has_seccomp = true;
    }
  return 0;
}

void
sandbox_process_free(struct sandbox_process *p)
{
  strv_free(p->args);
  strv_free(p->env);
  free(p->cwd);
  free(p->gids);
  free(p->rlimits);
  security_seccomp_free(&p->seccomp);
  memset(p, 0, sizeof *p);
}

/* ---- stdio ---- */

static int
setup_stdio(const struct sandbox_process *p, ctool_error_t *err)
{
  int moved[3] = { -1, -1, -1 };
  /* Move them out of 0..2 first: one of them may be another's target. */
  for (int i = 0; i < 3; i++)
    if (p->stdio[i] >= 0 && p->stdio[i] != i)
      {
        moved[i] = fcntl(p->stdio[i], F_DUPFD_CLOEXEC, 3);
        if (moved[i] < 0)
          return ctool_error_set(err, errno, "set up the container's stdio");
      }
  for (int i = 0; i < 3; i++)
    if (moved[i] >= 0)
      {
        if (dup2(moved[i], i) < 0)
          return ctool_error_set(err, errno, "set up the container's stdio");
        close(moved[i]);
      }
  if (setsid() < 0)
    return ctool_error_set(err, errno, "setsid");
  return 0;
}

static int
setup_terminal(const struct sandbox_process *p, int sock, ctool_error_t *err)
{
  cleanup_close int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return ctool_error_set(err, errno, "open /dev/pts/ptmx in the container");
  char name[64];
  if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof name) != 0)
    return ctool_error_set(err, errno, "set up the pseudo-terminal");
  cleanup_close int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return ctool_error_set(err, errno, "open %s", name);
  if (p->rows && p->cols)
    {
      struct winsize ws = { .ws_row = p->rows, .ws_col = p->cols };
      ioctl(slave, TIOCSWINSZ, &ws);
    }
  /* The user's process may reopen its tty (tty(1), ssh-agent...). */
  if (fchown(slave, p->uid, (gid_t) -1) < 0)
    log_debug("chown %s: %s", name, strerror(errno));
  if (p->bind_console && mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0 && errno != ENOENT)
    return ctool_error_set(err, errno, "bind %s on /dev/console", name);
  if (channel_send(sock, CHANNEL_FD, 0, NULL, master) < 0)
    return ctool_error_set(err, errno, "pass the pty to ctool");
  if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
    return ctool_error_set(err, errno, "make %s the controlling terminal", name);
  for (int i = 0; i < 3; i++)
    if (dup2(slave, i) < 0)
      return ctool_error_set(err, errno, "set up the container's stdio");
  return 0;
}

/* Nothing of ctool's may reach the container: every fd above 2 closes
 * on exec (the channel already does, so an exec failure still reports). */
static void
close_fds_on_exec(void)
{
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return;
  cleanup_dir DIR *d = opendir("/proc/self/fd");
  if (d == NULL)
    return;
  int self = dirfd(d);
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    {
      int fd = atoi(e->d_name);
      if (fd > 2 && fd != self)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
}

/* ---- working directory, user ---- */

static int
enter_cwd(const struct sandbox_process *p, ctool_error_t *err)
{
  if (chdir(p->cwd) == 0)
    return 0;
  if (errno != ENOENT)
    return ctool_error_set(err, errno, "chdir to the working directory %s", p->cwd);
  /* As Podman: a missing working directory is created. */
  if (mkdir_p(p->cwd, 0755, err) < 0)
    return ctool_error_prefix(err, "create the working directory");
  if (chdir(p->cwd) < 0)
    return ctool_error_set(err, errno, "chdir to the working directory %s", p->cwd);
  return 0;
}

static int
switch_user(const struct sandbox_process *p, bool setgroups_allowed, ctool_error_t *err)
{
  if (setgroups_allowed)
    {
      if (setgroups(p->n_gids, p->gids) < 0)
        return ctool_error_set(err, errno, "set the supplementary groups");
    }
  else if (p->n_gids > 0)
    log_debug("no subordinate GIDs: supplementary groups are not set");
  if (setresgid(p->gid, p->gid, p->gid) < 0)
    return ctool_error_set(err, errno == EINVAL ? 0 : errno,
                           errno == EINVAL ? "group %u is not mapped in the container's user namespace"
                                           : "set the group to %u", (unsigned) p->gid);
  /* Keep the permitted set across setuid only to set it from the spec
   * right after; without process.capabilities the kernel's rule applies
   * (a non-root user loses them all). */
  bool keep = p->uid != 0 && p->caps.present;
  if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return ctool_error_set(err, errno, "keep capabilities across setuid");
  if (setresuid(p->uid, p->uid, p->uid) < 0)
    return ctool_error_set(err, errno == EINVAL ? 0 : errno,
                           errno == EINVAL ? "user %u is not mapped in the container's user namespace"
                                           : "set the user to %u", (unsigned) p->uid);
  if (keep)
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  /* Changing IDs made the process non-dumpable, and the network helper
   * (slirp4netns opens /proc/PID/ns/{user,net} from the parent user
   * namespace, while this process runs on to exec) would be refused
   * until exec. exec sets it anew from the final IDs anyway. */
  prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  return 0;
}

/* ---- the command ---- */

static const char *
env_path(char *const *env)
{
  for (size_t i = 0; env && env[i]; i++)
    if (str_has_prefix(env[i], "PATH="))
      return env[i] + 5;
  return DEFAULT_PATH;
}

/* Find NAME as execvp would, and say what Podman says when it cannot. */
static int
find_executable(const char *name, char *const *env, char **out, ctool_error_t *err)
{
  if (strchr(name, '/'))
    {
      *out = xstrdup(name);
      return 0;
    }
  bool denied = false;
  const char *p = env_path(env);
  while (true)
    {
      size_t n = strcspn(p, ":");
      cleanup_free char *cand = n ? xasprintf("%.*s/%s", (int) n, p, name) : xasprintf("./%s", name);
      struct stat st;
      if (stat(cand, &st) == 0 && !S_ISDIR(st.st_mode))
        {
          if (access(cand, X_OK) == 0)
            {
              *out = steal_pointer(&cand);
              return 0;
            }
          denied = true;
        }
      if (p[n] == '\0')
        break;
      p += n + 1;
    }
  if (denied)
    return ctool_error_set_exit(err, EXIT_CANNOT_INVOKE, EACCES, "cannot execute `%s`", name);
  return ctool_error_set_exit(err, EXIT_NOT_FOUND, ENOENT, "executable file `%s` not found in $PATH", name);
}

static int
exec_failed(const char *path, int e, ctool_error_t *err)
{
  if (e == ENOENT)
    return ctool_error_set_exit(err, EXIT_NOT_FOUND, e, "executable file `%s` not found", path);
  return ctool_error_set_exit(err, EXIT_CANNOT_INVOKE, e, "cannot execute `%s`", path);
}

static void
init_handler(int sig)
{
  (void) sig;
}

/* With --init: the current process stays as PID 1 and forks the command. */
static void
fork_for_init(const struct sandbox_process *p, int sock)
{
  struct sigaction sa = { .sa_handler = init_handler };
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  /* A PID 1 gets signals from outside only for those it handles. */
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction(sig, &sa, NULL);
  pid_t child = fork();
  if (child < 0)
    return; /* run the command as PID 1 then; exec reports anything else */
  if (child == 0)
    {
      setpgid(0, 0);
      if (p->terminal)
        {
          signal(SIGTTOU, SIG_IGN);
          tcsetpgrp(0, getpid());
        }
      signals_reset_default();
      return;
    }
  /* PID 1 never execs, so close-on-exec does not clean up after it: close
   * every descriptor but stdio itself, or the channel, a monitor's ready
   * pipe and locks of ctool would stay open as long as the container. */
  (void) sock;
  close_range(3, ~0U, 0);
  sandbox_init_loop(child);
}

int
sandbox_process_run(const struct sandbox_process *p, int sock, bool setgroups_allowed, ctool_error_t *err)
{
  int r = p->terminal ? setup_terminal(p, sock, err) : setup_stdio(p, err);
  if (r < 0)
    return -1;
  if (p->has_oom_score_adj)
    {
      char v[16];
      int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
      int len = snprintf(v, sizeof v, "%d", p->oom_score_adj);
      if (fd < 0 || write(fd, v, (size_t) len) < 0)
        log_debug("set oom_score_adj to %d: %s", p->oom_score_adj, strerror(errno));
      if (fd >= 0)
        close(fd);
    }
  if (enter_cwd(p, err) < 0 || security_rlimits_apply(p->rlimits, p->n_rlimits, err) < 0)
    return -1;
  /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it
   * while the process still has it. */
  bool early = p->has_seccomp && !p->no_new_privs;
  if (early && security_seccomp_load(&p->seccomp, err) < 0)
    return -1;
  if (security_caps_apply_bounding(&p->caps, err) < 0 || switch_user(p, setgroups_allowed, err) < 0)
    return -1;
  if (p->has_umask)
    umask(p->umask);
  if (security_caps_apply(&p->caps, err) < 0)
    return -1;
  if (p->no_new_privs && security_no_new_privs(err) < 0)
    return -1;
  channel_wait(sock, CHANNEL_START);
  /* From here on the container lives on its own, even if ctool dies. */
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  cleanup_free char *path = NULL;
  if (find_executable(p->args[0], p->env, &path, err) < 0)
    return -1;
  close_fds_on_exec();
  if (p->has_seccomp && !early && security_seccomp_load(&p->seccomp, err) < 0)
    return -1;
  if (p->init)
    fork_for_init(p, sock);
  execve(path, p->args, p->env);
  return exec_failed(p->args[0], errno, err);
}

/* PID 1 is a copy of ctool: blank its command line (ctool's options,
 * host paths) so that the container's /proc/1/cmdline says only what it
 * is. The arguments live in [arg_start, arg_end) of /proc/self/stat. */
static void
hide_cmdline(void)
{
  char buf[1024];
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return;
  buf[n] = '\0';
  /* Fields after the command name, which may hold spaces: "(comm) S ...". */
  char *p = strrchr(buf, ')');
  unsigned long start = 0, end = 0;
  for (int field = 2; p && *p && field < 49; field++)
    {
      p = strchr(p + 1, ' ');
      if (p && field + 1 == 48)
        start = strtoul(p + 1, NULL, 10);
      if (p && field + 1 == 49)
        end = strtoul(p + 1, NULL, 10);
    }
  static const char name[] = "ctool-init";
  if (start == 0 || end <= start + sizeof name)
    return;
  memset((void *) start, 0, end - start);
  memcpy((void *) start, name, sizeof name);
}

_Noreturn void
sandbox_init_loop(pid_t child)
{
  prctl(PR_SET_NAME, "ctool-init", 0, 0, 0);
  hide_cmdline();
  sigset_t all;
  sigfillset(&all);
  for (;;)
    {
      siginfo_t si;
      int sig = sigwaitinfo(&all, &si);
      if (sig < 0)
        continue;
      if (sig != SIGCHLD)
        {
          kill(child, sig);
          continue;
        }
      int status;
      pid_t got;
      while ((got = waitpid(-1, &status, WNOHANG)) > 0)
        if (got == child)
          _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
}
