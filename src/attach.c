#include "attach.h"
#include "fsutil.h"
#include "monitor-attach.h"
#include "tty-raw.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
detach_keys_parse(const char *spec, unsigned char keys[DETACH_KEYS_MAX], size_t *n, ctool_error_t *err)
{
  *n = 0;
  if (*spec == '\0')
    return 0;
  cleanup_free char *copy = xstrdup(spec);
  char *save = NULL;
  for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save))
    {
      if (*n == DETACH_KEYS_MAX)
        return ctool_error_set(err, 0, "invalid --detach-keys '%s': at most %d keys", spec, DETACH_KEYS_MAX);
      if (strlen(k) == 1)
        keys[(*n)++] = (unsigned char) k[0];
      else if (strncmp(k, "ctrl-", 5) == 0 && strlen(k) == 6
               && (islower((unsigned char) k[5]) || strchr("@[\\]^_", k[5])))
        keys[(*n)++] = (unsigned char) (toupper((unsigned char) k[5]) & 0x1f);
      else
        return ctool_error_set(err, 0,
                               "invalid --detach-keys '%s': give keys like 'ctrl-p,ctrl-q' (a character or "
                               "ctrl- and one of a-z @ [ \\ ] ^ _, comma-separated)",
                               spec);
    }
  if (*n == 0)
    return ctool_error_set(err, 0, "invalid --detach-keys '%s': give keys like 'ctrl-p,ctrl-q'", spec);
  return 0;
}

struct client {
  const struct attach_opts *o;
  int sock, sfd;
  bool in_open;
  size_t matched;            /* detach keys typed so far (held back) */
  struct tty_raw tty;
};

static int
client_connect(const char *rundir, ctool_error_t *err)
{
  cleanup_close int dirfd = open(rundir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return ctool_error_set(err, errno, "open %s", rundir);
  struct sockaddr_un addr;
  size_t len = attach_address(dirfd, &addr);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return ctool_error_set(err, errno, "socket");
  if (connect(fd, (struct sockaddr *) &addr, (socklen_t) len) < 0)
    {
      int e = errno;
      close(fd);
      if (e == ENOENT || e == ECONNREFUSED)
        return ctool_error_set(err, 0, "the container has no attach socket (it was started by an older ctool, or "
                                       "it is exiting)");
      return ctool_error_set(err, e, "connect to the container's attach socket");
    }
  return fd;
}

static void
send_msg(struct client *c, int type, const void *data, size_t len)
{
  char msg[1 + ATTACH_MSG_MAX];
  msg[0] = (char) type;
  memcpy(msg + 1, data, len);
  while (send(c->sock, msg, len + 1, MSG_NOSIGNAL) < 0 && errno == EINTR)
    ;
}

static void
send_winsize(struct client *c)
{
  struct winsize ws;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
    return;
  uint16_t rc[2] = { ws.ws_row, ws.ws_col };
  send_msg(c, ATTACH_RESIZE, rc, sizeof rc);
}

/* Our stdin, with the detach keys held back while they match; true when
 * the whole sequence was typed. */
static bool
forward_input(struct client *c, const unsigned char *in, size_t n)
{
  const struct attach_opts *o = c->o;
  char out[ATTACH_MSG_MAX + DETACH_KEYS_MAX];
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (o->n_keys && in[i] == o->keys[c->matched])
        {
          if (++c->matched == o->n_keys)
            return true;
          continue;
        }
      /* A broken sequence goes through as typed. */
      memcpy(out + len, o->keys, c->matched);
      len += c->matched;
      c->matched = 0;
      if (o->n_keys && in[i] == o->keys[0])
        c->matched = 1;
      else
        out[len++] = (char) in[i];
    }
  for (size_t off = 0; off < len; off += ATTACH_MSG_MAX)
    send_msg(c, ATTACH_STDIN, out + off, len - off < ATTACH_MSG_MAX ? len - off : ATTACH_MSG_MAX);
  return false;
}

static const int proxied_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 };

static void
handle_signals(struct client *c)
{
  struct signalfd_siginfo si;
  while (read(c->sfd, &si, sizeof si) == (ssize_t) sizeof si)
    {
      if ((int) si.ssi_signo == SIGWINCH)
        {
          if (c->o->tty)
            send_winsize(c);
        }
      else if (c->o->pid > 0)
        kill(c->o->pid, (int) si.ssi_signo);
    }
}

/* A message from the monitor; false once the attachment is over. */
static bool
handle_message(struct client *c, enum attach_end *end, int *exit_code)
{
  char msg[1 + ATTACH_MSG_MAX + 1];
  ssize_t n = recv(c->sock, msg, sizeof msg - 1, 0);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    {
      *end = ATTACH_LOST;
      return false;
    }
  if (msg[0] == ATTACH_STDOUT || msg[0] == ATTACH_STDERR)
    write_all(msg[0] == ATTACH_STDOUT ? STDOUT_FILENO : STDERR_FILENO, msg + 1, (size_t) n - 1);
  else if (msg[0] == ATTACH_EXIT)
    {
      msg[n] = '\0';
      *exit_code = atoi(msg + 1);
      *end = ATTACH_ENDED;
      return false;
    }
  return true;
}

static int
client_loop(struct client *c, enum attach_end *end, int *exit_code)
{
  for (;;)
    {
      struct pollfd p[3] = {
        { .fd = c->sock, .events = POLLIN },
        { .fd = c->sfd, .events = POLLIN },
        { .fd = c->in_open ? STDIN_FILENO : -1, .events = POLLIN },
      };
      if (poll(p, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      if (p[1].revents & POLLIN)
        handle_signals(c);
      if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !handle_message(c, end, exit_code))
        return 0;
      if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
        {
          unsigned char buf[ATTACH_MSG_MAX];
          ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
          if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (n <= 0)
            c->in_open = false; /* the container's stdin stays open for others */
          else if (forward_input(c, buf, (size_t) n))
            {
              *end = ATTACH_DETACHED;
              return 0;
            }
        }
    }
}

int
attach_run(const struct attach_opts *o, enum attach_end *end, int *exit_code, ctool_error_t *err)
{
  struct client c = { .o = o, .sfd = -1, .in_open = o->send_stdin };
  c.sock = client_connect(o->rundir, err);
  if (c.sock < 0)
    return -1;
  sigset_t mask, old;
  sigemptyset(&mask);
  sigaddset(&mask, SIGWINCH);
  for (size_t i = 0; o->sig_proxy && i < ARRAY_SIZE(proxied_signals); i++)
    sigaddset(&mask, proxied_signals[i]);
  sigprocmask(SIG_BLOCK, &mask, &old);
  c.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (o->tty)
    {
      send_winsize(&c);
      tty_raw_enter(&c.tty, o->send_stdin);
    }
  int ret = client_loop(&c, end, exit_code);
  int e = errno;
  tty_raw_leave(&c.tty);
  if (c.sfd >= 0)
    close(c.sfd);
  close(c.sock);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (ret < 0)
    return ctool_error_set(err, e, "attach");
  return 0;
}
