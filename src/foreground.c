#include "foreground.h"
#include "fsutil.h"
#include "logfile.h"
#include "tty-raw.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signals a user may send to ctool that belong to the container. */
static const int forwarded_signals[] = {
  SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM, SIGALRM, SIGCONT, SIGTSTP,
  SIGTTIN, SIGTTOU, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSYS, SIGURG, SIGXCPU, SIGXFSZ,
};

struct relay {
  pid_t pid;
  const struct foreground_opts *o;
  int sfd;
  bool exited;
  int status;
  bool in_open, console_open;
  int out_fd, err_fd;     /* output pipes still open, else -1 */
  int log_fd;
  struct log_stream out_log, err_log;
  struct tty_raw tty;
};

static void
copy_winsize(int console_fd)
{
  struct winsize ws;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl(console_fd, TIOCSWINSZ, &ws);
}

/* Copy what is readable on FROM to TO; false at EOF or error. */
static bool
pump(int from, int to)
{
  char buf[16384];
  ssize_t n = read(from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  write_all(to, buf, (size_t) n);
  return true;
}

/* Copy what is readable on FROM to TO, and to the log through L; false
 * at EOF or error (the rest of the line logged then). */
static bool
relay_output(int from, int to, struct log_stream *l, int log_fd)
{
  ssize_t n = read(from, l->buf + l->len, sizeof l->buf - l->len);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    {
      log_stream_emit(log_fd, l, true);
      return false;
    }
  write_all(to, l->buf + l->len, (size_t) n);
  l->len += (size_t) n;
  log_stream_emit(log_fd, l, false);
  return true;
}

/* An output pipe is readable: relay it, close it at its end. */
static void
relay_pipe(int *fd, int to, struct log_stream *l, int log_fd)
{
  if (!relay_output(*fd, to, l, log_fd))
    {
      close(*fd);
      *fd = -1;
    }
}

static void
handle_signal(struct relay *r)
{
  struct signalfd_siginfo si;
  while (read(r->sfd, &si, sizeof si) == (ssize_t) sizeof si)
    {
      int sig = (int) si.ssi_signo;
      if (sig == SIGCHLD)
        continue; /* checked after every wakeup */
      if (sig == SIGWINCH)
        {
          if (r->o->console_fd >= 0)
            copy_winsize(r->o->console_fd);
          continue;
        }
      if (r->o->sig_proxy && !r->exited)
        kill(r->pid, sig);
    }
}

static void
check_child(struct relay *r)
{
  if (r->exited)
    return;
  if (waitpid(r->pid, &r->status, WNOHANG) == r->pid)
    r->exited = true;
}

static int
relay_loop(struct relay *r)
{
  const struct foreground_opts *o = r->o;
  int drain_rounds = 0;
  for (;;)
    {
      check_child(r);
      if (r->exited && !r->console_open && r->out_fd < 0 && r->err_fd < 0)
        break;
      struct pollfd p[5];
      int n = 0, i_sig, i_in = -1, i_con = -1, i_out = -1, i_err = -1;
      i_sig = n;
      p[n++] = (struct pollfd){ .fd = r->sfd, .events = POLLIN };
      if (r->out_fd >= 0)
        {
          i_out = n;
          p[n++] = (struct pollfd){ .fd = r->out_fd, .events = POLLIN };
        }
      if (r->err_fd >= 0)
        {
          i_err = n;
          p[n++] = (struct pollfd){ .fd = r->err_fd, .events = POLLIN };
        }
      if (r->console_open)
        {
          i_con = n;
          p[n++] = (struct pollfd){ .fd = o->console_fd, .events = POLLIN };
        }
      if (r->in_open && r->console_open && !r->exited)
        {
          i_in = n;
          p[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
        }
      /* After the exit, output still in the pty is drained, briefly: a
       * process outside the container could hold it open. */
      int rc = poll(p, (nfds_t) n, r->exited ? 100 : -1);
      if (rc < 0 && errno != EINTR)
        return -1;
      if (rc == 0 && r->exited && ++drain_rounds > 5)
        break;
      if (rc > 0 && (p[i_sig].revents & POLLIN))
        handle_signal(r);
      if (i_out >= 0 && (p[i_out].revents & (POLLIN | POLLHUP | POLLERR)))
        relay_pipe(&r->out_fd, STDOUT_FILENO, &r->out_log, r->log_fd);
      if (i_err >= 0 && (p[i_err].revents & (POLLIN | POLLHUP | POLLERR)))
        relay_pipe(&r->err_fd, STDERR_FILENO, &r->err_log, r->log_fd);
      if (i_con >= 0 && (p[i_con].revents & (POLLIN | POLLHUP | POLLERR)))
        r->console_open = relay_output(o->console_fd, STDOUT_FILENO, &r->out_log, r->log_fd);
      if (i_in >= 0 && (p[i_in].revents & (POLLIN | POLLHUP | POLLERR)))
        {
          if (!pump(STDIN_FILENO, o->console_fd))
            {
              /* End of our input: pass an EOF on to the terminal's reader. */
              r->in_open = false;
              char eof = 4;
              if (write(o->console_fd, &eof, 1) < 0)
                {
                  /* the reader is gone; its exit ends the loop */
                }
            }
        }
    }
  /* Whatever a helper outside still holds open: logged as it stands. */
  for (int *fd = &r->out_fd; fd; fd = fd == &r->out_fd ? &r->err_fd : NULL)
    if (*fd >= 0)
      close(*fd), *fd = -1;
  log_stream_emit(r->log_fd, &r->out_log, true);
  log_stream_emit(r->log_fd, &r->err_log, true);
  if (!r->exited)
    {
      while (waitpid(r->pid, &r->status, 0) < 0 && errno == EINTR)
        ;
      r->exited = true;
    }
  return 0;
}

static void
forwarded_set(sigset_t *mask)
{
  sigemptyset(mask);
  sigaddset(mask, SIGCHLD);
  sigaddset(mask, SIGWINCH);
  for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
    sigaddset(mask, forwarded_signals[i]);
}

void
foreground_block_signals(sigset_t *old)
{
  sigset_t mask;
  forwarded_set(&mask);
  sigprocmask(SIG_BLOCK, &mask, old);
}

void
foreground_restore_signals(const sigset_t *old)
{
  sigprocmask(SIG_SETMASK, old, NULL);
}

int
foreground_wait(pid_t pid, const struct foreground_opts *o, const sigset_t *old, int *status, ctool_error_t *err)
{
  struct relay r = { .pid = pid, .o = o, .sfd = -1, .in_open = o->stdin_to_tty, .console_open = o->console_fd >= 0,
                     .out_fd = o->output ? o->output->out_fd : -1, .err_fd = o->output ? o->output->err_fd : -1,
                     .log_fd = o->output ? o->output->log_fd : -1,
                     .out_log.name = "stdout", .err_log.name = "stderr" };
  struct log_size log_size;
  log_size_init(&log_size, r.log_fd, o->output ? o->output->log_size_max : -1);
  r.out_log.limit = r.err_log.limit = &log_size;
  sigset_t mask;
  forwarded_set(&mask);
  r.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (r.sfd < 0)
    {
      int e = errno;
      foreground_restore_signals(old);
      return ctool_error_set(err, e, "signalfd");
    }
  struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
  sigaction(SIGPIPE, &ign, &old_pipe);
  if (o->console_fd >= 0)
    {
      copy_winsize(o->console_fd);
      tty_raw_enter(&r.tty, o->stdin_to_tty);
      int fl = fcntl(o->console_fd, F_GETFL);
      fcntl(o->console_fd, F_SETFL, fl | O_NONBLOCK);
    }
  int ret = relay_loop(&r);
  tty_raw_leave(&r.tty);
  close(r.sfd);
  sigaction(SIGPIPE, &old_pipe, NULL);
  foreground_restore_signals(old);
  if (ret < 0)
    return ctool_error_set(err, errno, "wait for the container");
  *status = r.status;
  return 0;
}
