/* ctool-monitor: the one process that stays with a detached container.
 *
 * It is exec'd by the process that started the container (so the
 * container is its child), with the container's output pipes or pty
 * master. It writes the output to the log in k8s-file format, waits for
 * the container, records the exit code and finish time (exit-record.h),
 * and for --rm execs `ctool rm` to clean up. It links nothing but libc so
 * that it stays small for the container's whole life.
 *
 * With --attach-dir it serves the attach socket there (monitor-attach.h):
 * `ctool attach` gets the output live and, with --hold-fd (-i), passes
 * stdin in.
 *
 * With --wait-attach MS (ctool run -it, which attaches at once) the
 * output stays unread, and the exit unannounced, until the first client
 * is there or MS milliseconds have passed: it misses nothing.
 *
 * Usage: ctool-monitor --pid PID [--exit-dir DIR --started NS] [--log FILE [--log-size-max BYTES]]
 *          [--stdout-fd FD --stderr-fd FD | --console-fd FD] [--hold-fd FD]
 *          [--attach-dir DIR [--wait-attach MS]]
 *          [--ready-fd FD] [-- CLEANUP-COMMAND ARG...] */
#include "cgroup-record.h"
#include "exit-record.h"
#include "fsutil.h"
#include "logfile.h"
#include "monitor-attach.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct stream {
  int fd;
  struct log_stream log;
};

struct monitor {
  pid_t pid;
  const char *exit_dir;
  int64_t started;
  int log_fd;
  struct log_size log_size;   /* --log-size-max, shared by out and err */
  struct stream out, err;
  int hold_fd, ready_fd;
  bool console;               /* out.fd is a pty master */
  const char *attach_dir;
  long wait_attach_ms;        /* --wait-attach: hold the output for the first client */
  struct attach_server attach;
  char **cleanup;
};

/* Read what is there; false at EOF or error. */
static bool
stream_read(struct monitor *m, struct stream *s)
{
  struct log_stream *l = &s->log;
  ssize_t n = read(s->fd, l->buf + l->len, sizeof l->buf - l->len);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    {
      log_stream_emit(m->log_fd, l, true);
      close(s->fd);
      s->fd = -1;
      return false;
    }
  attach_server_send(&m->attach, s == &m->out ? ATTACH_STDOUT : ATTACH_STDERR, l->buf + l->len, (size_t) n);
  l->len += (size_t) n;
  log_stream_emit(m->log_fd, l, false);
  return true;
}

static int
parse_fd(const char *s)
{
  char *end;
  long v = strtol(s, &end, 10);
  return *end == '\0' && v >= 0 && v < 65536 ? (int) v : -1;
}

static int
parse_args(int argc, char **argv, struct monitor *m, const char **log_path)
{
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      if (strcmp(a, "--") == 0)
        {
          m->cleanup = argv + i + 1;
          break;
        }
      if (i + 1 >= argc)
        return -1;
      const char *v = argv[++i];
      if (strcmp(a, "--pid") == 0)
        m->pid = (pid_t) atoi(v);
      else if (strcmp(a, "--exit-dir") == 0)
        m->exit_dir = v;
      else if (strcmp(a, "--started") == 0)
        m->started = strtoll(v, NULL, 10);
      else if (strcmp(a, "--log") == 0)
        *log_path = v;
      else if (strcmp(a, "--utc-offset") == 0)
        log_fix_utc_offset(strtol(v, NULL, 10));
      else if (strcmp(a, "--log-size-max") == 0)
        m->log_size.max = strtoll(v, NULL, 10);
      else if (strcmp(a, "--stdout-fd") == 0 || strcmp(a, "--console-fd") == 0)
        {
          m->out.fd = parse_fd(v);
          m->console = a[2] == 'c';
        }
      else if (strcmp(a, "--attach-dir") == 0)
        m->attach_dir = v;
      else if (strcmp(a, "--wait-attach") == 0)
        m->wait_attach_ms = strtol(v, NULL, 10);
      else if (strcmp(a, "--stderr-fd") == 0)
        m->err.fd = parse_fd(v);
      else if (strcmp(a, "--hold-fd") == 0)
        m->hold_fd = parse_fd(v);
      else if (strcmp(a, "--ready-fd") == 0)
        m->ready_fd = parse_fd(v);
      else
        return -1;
    }
  return m->pid > 0 ? 0 : -1;
}

static int64_t
now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait for the container while copying its output to the log. */
static int
monitor_loop(struct monitor *m)
{
  int pidfd = (int) syscall(SYS_pidfd_open, m->pid, 0);
  int status = 0;
  bool exited = false;
  /* --wait-attach: nothing is read before the first client comes. */
  bool holding = m->wait_attach_ms > 0 && m->attach.listen_fd >= 0;
  int64_t hold_until = holding ? now_ms() + m->wait_attach_ms : 0;
  while (holding || !exited || m->out.fd >= 0 || m->err.fd >= 0)
    {
      struct pollfd p[4 + ATTACH_CLIENTS_MAX];
      int n = 0;
      struct stream *which[3] = { NULL, NULL, NULL };
      if (m->out.fd >= 0 && !holding)
        which[n] = &m->out, p[n++] = (struct pollfd){ .fd = m->out.fd, .events = POLLIN };
      if (m->err.fd >= 0 && !holding)
        which[n] = &m->err, p[n++] = (struct pollfd){ .fd = m->err.fd, .events = POLLIN };
      if (!exited && pidfd >= 0)
        p[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
      int first_attach = n;
      n += attach_server_pollfds(&m->attach, p + n);
      /* Without a pidfd (old kernel), poll with a timeout and check. Once
       * the container is gone, give its output a second to drain: a
       * process outside it may hold the pipe. */
      int timeout = exited ? 1000 : (pidfd < 0 ? 200 : -1);
      if (holding)
        {
          int64_t left = hold_until - now_ms();
          timeout = left <= 0 ? 0 : (timeout < 0 || left < timeout ? (int) left : timeout);
        }
      int r = poll(p, (nfds_t) n, timeout);
      if (r < 0 && errno != EINTR)
        break;
      if (holding)
        {
          attach_server_handle(&m->attach, p + first_attach, n - first_attach);
          holding = !attach_server_has_clients(&m->attach) && now_ms() < hold_until;
          if (!exited && waitpid(m->pid, &status, WNOHANG) == m->pid)
            exited = true;
          continue;
        }
      if (r == 0 && exited)
        break;
      for (int i = 0; i < first_attach; i++)
        if (which[i] && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
          stream_read(m, which[i]);
      attach_server_handle(&m->attach, p + first_attach, n - first_attach);
      if (!exited && waitpid(m->pid, &status, WNOHANG) == m->pid)
        exited = true;
      else if (!exited && pidfd < 0 && kill(m->pid, 0) < 0 && errno == ESRCH)
        {
          exited = true;
          status = -1;
        }
    }
  for (struct stream *s = &m->out; s; s = s == &m->out ? &m->err : NULL)
    if (s->fd >= 0)
      log_stream_emit(m->log_fd, &s->log, true);
  if (!exited)
    waitpid(m->pid, &status, 0);
  if (pidfd >= 0)
    close(pidfd);
  return status < 0 ? -1 : exit_code_from_wait_status(status);
}

int
main(int argc, char **argv)
{
  static struct monitor m;
  const char *log_path = NULL;
  m.out = (struct stream){ .fd = -1, .log.name = "stdout" };
  m.err = (struct stream){ .fd = -1, .log.name = "stderr" };
  m.hold_fd = m.ready_fd = m.log_fd = -1;
  m.attach.listen_fd = -1;
  if (parse_args(argc, argv, &m, &log_path) < 0)
    {
      fprintf(stderr, "ctool-monitor: internal helper of ctool, not meant to be run by hand\n");
      return 2;
    }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  if (log_path)
    m.log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  log_size_init(&m.log_size, m.log_fd, m.log_size.max);
  m.out.log.limit = m.err.log.limit = &m.log_size;
  /* Stdin from attach goes to the pty, or to the stdin pipe; only for a
   * container started with -i (that holds it open). */
  if (m.attach_dir)
    attach_server_listen(&m.attach, m.attach_dir, m.hold_fd < 0 ? -1 : m.console ? m.out.fd : m.hold_fd,
                         m.console ? m.out.fd : -1);
  /* From here on ctool may return: the output has a reader. */
  if (m.ready_fd >= 0)
    {
      write_all(m.ready_fd, "OK\n", 3);
      close(m.ready_fd);
    }
  int code = monitor_loop(&m);
  if (m.log_fd >= 0)
    close(m.log_fd);
  ctool_error_t err = NULL;
  if (m.exit_dir)
    cgroup_record_finish(m.exit_dir, m.started);
  if (m.exit_dir && exit_record_write(m.exit_dir, m.started, time_now_ns(), code, &err) < 0)
    ctool_error_free(&err);
  /* Recorded first: who was attached sees the container exited. */
  attach_server_finish(&m.attach, code);
  if (m.hold_fd >= 0)
    close(m.hold_fd);
  if (m.cleanup && m.cleanup[0])
    {
      int devnull = open("/dev/null", O_RDWR);
      if (devnull >= 0)
        {
          dup2(devnull, 0);
          dup2(devnull, 1);
          dup2(devnull, 2);
        }
      execv(m.cleanup[0], m.cleanup);
      _exit(127);
    }
  return 0;
}
