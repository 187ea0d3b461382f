#include "subprocess.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define SPAWN_KEEP_MAX (64 * 1024)

static const char *const system_dirs[] = {
  "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

static bool
is_executable_file(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *
find_program(const char *name)
{
  if (strchr(name, '/'))
    return is_executable_file(name) ? xstrdup(name) : NULL;
  const char *path = getenv("PATH");
  if (path)
    {
      cleanup_free char *copy = xstrdup(path);
      char *save = NULL;
      for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
        {
          if (dir[0] != '/')
            continue; /* never a relative PATH entry for a helper */
          char *candidate = xasprintf("%s/%s", dir, name);
          if (is_executable_file(candidate))
            return candidate;
          free(candidate);
        }
    }
  for (size_t i = 0; i < ARRAY_SIZE(system_dirs); i++)
    {
      char *candidate = xasprintf("%s/%s", system_dirs[i], name);
      if (is_executable_file(candidate))
        return candidate;
      free(candidate);
    }
  return NULL;
}

static void
close_pair(int p[2])
{
  if (p[0] >= 0)
    close(p[0]);
  if (p[1] >= 0)
    close(p[1]);
}

int
spawn_start(char *const argv[], bool capture_out, struct spawn *sp, ctool_error_t *err)
{
  int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t all, none;

  sp->pid = -1;
  sp->out_fd = sp->err_fd = -1;
  if (pipe2(err_pipe, O_CLOEXEC) < 0 || (capture_out && pipe2(out_pipe, O_CLOEXEC) < 0))
    {
      int e = errno;
      close_pair(err_pipe);
      return ctool_error_set(err, e, "run %s: pipe", argv[0]);
    }
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (capture_out)
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  else
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);

  posix_spawnattr_init(&attr);
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  pid_t pid;
  int r = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(err_pipe[1]);
  if (capture_out)
    close(out_pipe[1]);
  if (r != 0)
    {
      close(err_pipe[0]);
      if (capture_out)
        close(out_pipe[0]);
      return ctool_error_set(err, r, "run %s", argv[0]);
    }
  sp->pid = pid;
  sp->err_fd = err_pipe[0];
  sp->out_fd = capture_out ? out_pipe[0] : -1;
  return 0;
}

/* The forked child of spawn_start_nowait, up to its exec (ctool runs one
 * thread: no lock can be held by another here). */
static _Noreturn void
nowait_child(char *const argv[], int err_w)
{
  if (err_w == STDERR_FILENO)
    fcntl(err_w, F_SETFD, 0);
  else if (dup2(err_w, STDERR_FILENO) < 0)
    _exit(127);
  int null = open("/dev/null", O_RDWR);
  if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0)
    _exit(127);
  if (null > STDERR_FILENO)
    close(null);
  signals_reset_default();
  execve(argv[0], argv, environ);
  const char *why = strerror(errno);
  static const char what[] = "cannot execute ";
  if (write(STDERR_FILENO, what, sizeof what - 1) >= 0 && write(STDERR_FILENO, argv[0], strlen(argv[0])) >= 0
      && write(STDERR_FILENO, ": ", 2) >= 0 && write(STDERR_FILENO, why, strlen(why)) >= 0)
    (void) !write(STDERR_FILENO, "\n", 1);
  _exit(127);
}

int
spawn_start_nowait(char *const argv[], struct spawn *sp, ctool_error_t *err)
{
  int err_pipe[2];
  sp->pid = -1;
  sp->out_fd = sp->err_fd = -1;
  if (pipe2(err_pipe, O_CLOEXEC) < 0)
    return ctool_error_set(err, errno, "run %s: pipe", argv[0]);
  pid_t pid = fork();
  if (pid == 0)
    nowait_child(argv, err_pipe[1]);
  int e = errno;
  close(err_pipe[1]);
  if (pid < 0)
    {
      close(err_pipe[0]);
      return ctool_error_set(err, e, "run %s", argv[0]);
    }
  sp->pid = pid;
  sp->err_fd = err_pipe[0];
  return 0;
}

struct sink {
  char *buf;
  size_t len;
};

/* Append what FD has; false at EOF or error. Only the first
 * SPAWN_KEEP_MAX bytes are kept, the rest is drained. */
static bool
drain_once(int fd, struct sink *s)
{
  char chunk[4096];
  ssize_t n = read(fd, chunk, sizeof chunk);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  size_t keep = s->len < SPAWN_KEEP_MAX ? SPAWN_KEEP_MAX - s->len : 0;
  if ((size_t) n < keep)
    keep = (size_t) n;
  if (keep > 0)
    {
      s->buf = xrealloc(s->buf, s->len + keep + 1);
      memcpy(s->buf + s->len, chunk, keep);
      s->len += keep;
      s->buf[s->len] = '\0';
    }
  return true;
}

static char *
sink_text(struct sink *s)
{
  char *t = s->buf ? s->buf : xstrdup("");
  size_t n = strlen(t);
  while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r'))
    t[--n] = '\0';
  s->buf = NULL;
  return t;
}

int
spawn_finish(struct spawn *sp, char **out, char **errtext, int *wstatus, ctool_error_t *err)
{
  struct sink so = { 0 }, se = { 0 };
  struct pollfd pfd[2];

  for (;;)
    {
      nfds_t n = 0;
      if (sp->err_fd >= 0)
        pfd[n++] = (struct pollfd){ .fd = sp->err_fd, .events = POLLIN };
      if (sp->out_fd >= 0)
        pfd[n++] = (struct pollfd){ .fd = sp->out_fd, .events = POLLIN };
      if (n == 0)
        break;
      if (poll(pfd, n, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      for (nfds_t i = 0; i < n; i++)
        {
          if (pfd[i].revents == 0)
            continue;
          bool is_err = pfd[i].fd == sp->err_fd;
          if (!drain_once(pfd[i].fd, is_err ? &se : &so))
            {
              close(pfd[i].fd);
              if (is_err)
                sp->err_fd = -1;
              else
                sp->out_fd = -1;
            }
        }
    }

  int status = 0;
  while (waitpid(sp->pid, &status, 0) < 0)
    if (errno != EINTR)
      {
        int e = errno;
        free(so.buf);
        free(se.buf);
        return ctool_error_set(err, e, "wait for process %d", (int) sp->pid);
      }
  sp->pid = -1;
  if (wstatus)
    *wstatus = status;
  if (out)
    *out = sink_text(&so);
  if (errtext)
    *errtext = sink_text(&se);
  free(so.buf);
  free(se.buf);
  return 0;
}

int
spawn_run(char *const argv[], char **out, char **errtext, int *wstatus, ctool_error_t *err)
{
  struct spawn sp;
  if (spawn_start(argv, out != NULL, &sp, err) < 0)
    return -1;
  return spawn_finish(&sp, out, errtext, wstatus, err);
}

void
describe_wait_status(int wstatus, char *buf, size_t len)
{
  if (WIFEXITED(wstatus))
    snprintf(buf, len, "exited with status %d", WEXITSTATUS(wstatus));
  else if (WIFSIGNALED(wstatus))
    snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
  else
    snprintf(buf, len, "ended with wait status 0x%x", (unsigned) wstatus);
}
