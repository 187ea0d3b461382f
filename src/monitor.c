#include "monitor.h"
#include "fsutil.h"
#include "libexec.h"
#include "logfile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
monitor_find(char **path, ctool_error_t *err)
{
  return libexec_find("ctool-monitor", path, err);
}

static void
report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
report(int fd, const char *fmt, ...)
{
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > (int) sizeof buf - 1)
    n = (int) sizeof buf - 1;
  if (write(fd, buf, (size_t) n) < 0)
    return;
}

static int
no_cloexec(int fd)
{
  int flags = fcntl(fd, F_GETFD);
  return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

static char *
fd_arg(int fd)
{
  return xasprintf("%d", fd);
}

/* The grandchild: start the container, then become the monitor. Never
 * returns. */
static void __attribute__((noreturn))
grandchild(const struct monitor_params *p, const char *monitor_path, int report_fd)
{
  /* Nothing ctool inherited (a terminal, a test harness's pipes) may stay
   * open in the monitor or the container. */
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, in[2] = { -1, -1 };
  if (devnull < 0 || (!p->tty && (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0))
      || (p->interactive && pipe2(in, O_CLOEXEC) < 0))
    {
      report(report_fd, "E125 create the container's output pipes: %s\n", strerror(errno));
      _exit(1);
    }
  pid_t ctr = 0;
  int console = -1;
  ctool_error_t err = NULL;
  if (p->start(p->start_data, p->interactive ? in[0] : devnull, p->tty ? devnull : out[1],
               p->tty ? devnull : errp[1], &ctr, &console, &err) < 0)
    {
      report(report_fd, "E%d %s\n", err->exit_code, err->msg);
      _exit(1);
    }
  /* Only the container keeps the write ends. */
  if (out[1] >= 0)
    close(out[1]), close(errp[1]);
  if (in[0] >= 0)
    close(in[0]);

  char **argv = NULL;
  strv_push(&argv, monitor_path);
  strv_push(&argv, "--pid");
  strv_push(&argv, fd_arg(ctr));
  if (p->exit_dir)
    {
      strv_push(&argv, "--exit-dir");
      strv_push(&argv, p->exit_dir);
      strv_push(&argv, "--started");
      strv_push(&argv, xasprintf("%lld", (long long) p->started));
    }
  if (p->log_path)
    {
      strv_push(&argv, "--log");
      strv_push(&argv, p->log_path);
      strv_push(&argv, "--utc-offset");
      strv_push(&argv, xasprintf("%ld", log_local_utc_offset()));
      if (p->log_size_max > 0)
        {
          strv_push(&argv, "--log-size-max");
          strv_push(&argv, xasprintf("%lld", (long long) p->log_size_max));
        }
    }
  if (p->attach_dir)
    {
      strv_push(&argv, "--attach-dir");
      strv_push(&argv, p->attach_dir);
      if (p->wait_attach_ms > 0)
        {
          strv_push(&argv, "--wait-attach");
          strv_push(&argv, xasprintf("%ld", p->wait_attach_ms));
        }
    }
  if (p->tty)
    {
      strv_push(&argv, "--console-fd");
      strv_push(&argv, fd_arg(console));
      no_cloexec(console);
    }
  else
    {
      strv_push(&argv, "--stdout-fd");
      strv_push(&argv, fd_arg(out[0]));
      strv_push(&argv, "--stderr-fd");
      strv_push(&argv, fd_arg(errp[0]));
      no_cloexec(out[0]);
      no_cloexec(errp[0]);
    }
  if (p->interactive)
    {
      strv_push(&argv, "--hold-fd");
      strv_push(&argv, fd_arg(in[1]));
      no_cloexec(in[1]);
    }
  for (size_t i = 0; p->keep_fds && p->keep_fds[i] >= 0; i++)
    no_cloexec(p->keep_fds[i]);
  strv_push(&argv, "--ready-fd");
  strv_push(&argv, fd_arg(report_fd));
  if (p->cleanup)
    {
      strv_push(&argv, "--");
      for (size_t i = 0; p->cleanup[i]; i++)
        strv_push(&argv, p->cleanup[i]);
    }
  report(report_fd, "P%d %d\n", (int) ctr, (int) getpid());
  no_cloexec(report_fd);
  dup2(devnull, 0);
  dup2(devnull, 1);
  dup2(devnull, 2);
  if (chdir("/") < 0)
    _exit(1);
  execv(monitor_path, argv);
  int e = errno;
  kill(ctr, SIGKILL);
  report(report_fd, "E125 run %s: %s\n", monitor_path, strerror(e));
  _exit(1);
}

/* Read everything the grandchild and the monitor say, until EOF. */
static int
read_report(int fd, pid_t *ctr_pid, pid_t *mon_pid, ctool_error_t *err)
{
  char buf[4096];
  read_fd_text(fd, buf, sizeof buf, NULL);
  bool started = false, ready = false;
  char *save = NULL;
  for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    {
      if (line[0] == 'E')
        {
          char *msg = NULL;
          long code = strtol(line + 1, &msg, 10);
          if (msg && *msg == ' ')
            msg++;
          return ctool_error_set_exit(err, code > 0 && code < 256 ? (int) code : EXIT_CTOOL_ERROR, 0, "%s",
                                      msg && *msg ? msg : "the container did not start");
        }
      int c, m;
      if (line[0] == 'P' && sscanf(line + 1, "%d %d", &c, &m) == 2)
        {
          *ctr_pid = c;
          *mon_pid = m;
          started = true;
        }
      else if (strcmp(line, "OK") == 0)
        ready = true;
    }
  if (!started)
    return ctool_error_set(err, 0, "the container's monitor ended before it started the container");
  if (!ready)
    return ctool_error_set(err, 0, "the container's monitor ended right after it started (see the log)");
  return 0;
}

int
monitor_spawn(const struct monitor_params *p, pid_t *ctr_pid, pid_t *mon_pid, ctool_error_t *err)
{
  cleanup_free char *monitor_path = NULL;
  if (monitor_find(&monitor_path, err) < 0)
    return -1;
  int rep[2];
  if (pipe2(rep, O_CLOEXEC) < 0)
    return ctool_error_set(err, errno, "pipe");
  fflush(NULL);
  pid_t child = fork();
  if (child < 0)
    {
      int e = errno;
      close(rep[0]);
      close(rep[1]);
      return ctool_error_set(err, e, "fork");
    }
  if (child == 0)
    {
      close(rep[0]);
      if (setsid() < 0)
        _exit(1);
      pid_t g = fork();
      if (g < 0)
        {
          report(rep[1], "E125 fork the monitor: %s\n", strerror(errno));
          _exit(1);
        }
      if (g > 0)
        _exit(0);
      grandchild(p, monitor_path, rep[1]);
    }
  close(rep[1]);
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR)
    ;
  int ret = read_report(rep[0], ctr_pid, mon_pid, err);
  close(rep[0]);
  return ret;
}
