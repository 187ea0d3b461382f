#include "monitor-attach.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* V in decimal at P; returns the end. No printf: the monitor stays
 * small by touching little of libc. */
static char *
put_uint(char *p, unsigned v)
{
  char digits[12];
  int n = 0;
  do
    digits[n++] = (char) ('0' + v % 10);
  while ((v /= 10) > 0);
  while (n > 0)
    *p++ = digits[--n];
  return p;
}

size_t
attach_address(int dirfd, struct sockaddr_un *addr)
{
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  char *p = stpcpy(addr->sun_path, "/proc/self/fd/");
  p = put_uint(p, (unsigned) dirfd);
  p = stpcpy(p, "/" ATTACH_SOCKET);
  return offsetof(struct sockaddr_un, sun_path) + (size_t) (p - addr->sun_path) + 1;
}

int
attach_server_listen(struct attach_server *s, const char *dir, int input_fd, int console_fd)
{
  s->listen_fd = -1;
  for (int i = 0; i < ATTACH_CLIENTS_MAX; i++)
    s->clients[i] = -1;
  s->input_fd = input_fd;
  s->console_fd = console_fd;
  s->dir = dir;
  int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return -1;
  /* Stdin the container does not read must never block the monitor. */
  if (input_fd >= 0)
    fcntl(input_fd, F_SETFL, fcntl(input_fd, F_GETFL) | O_NONBLOCK);
  struct sockaddr_un addr;
  size_t len = attach_address(dirfd, &addr);
  unlinkat(dirfd, ATTACH_SOCKET, 0); /* a former run's */
  s->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int ret = 0;
  if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *) &addr, (socklen_t) len) < 0
      || listen(s->listen_fd, ATTACH_CLIENTS_MAX) < 0)
    {
      if (s->listen_fd >= 0)
        close(s->listen_fd);
      s->listen_fd = -1;
      ret = -1;
    }
  close(dirfd); /* one descriptor less for the container's whole life */
  return ret;
}

bool
attach_server_has_clients(const struct attach_server *s)
{
  for (int i = 0; i < ATTACH_CLIENTS_MAX; i++)
    if (s->clients[i] >= 0)
      return true;
  return false;
}

int
attach_server_pollfds(const struct attach_server *s, struct pollfd *p)
{
  int n = 0;
  if (s->listen_fd < 0)
    return 0;
  p[n++] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
  for (int i = 0; i < ATTACH_CLIENTS_MAX; i++)
    if (s->clients[i] >= 0)
      p[n++] = (struct pollfd){ .fd = s->clients[i], .events = POLLIN };
  return n;
}

static void
drop_client(struct attach_server *s, int fd)
{
  for (int i = 0; i < ATTACH_CLIENTS_MAX; i++)
    if (s->clients[i] == fd)
      s->clients[i] = -1;
  close(fd);
}

static void
accept_client(struct attach_server *s)
{
  int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0)
    return;
  for (int i = 0; i < ATTACH_CLIENTS_MAX; i++)
    if (s->clients[i] < 0)
      {
        s->clients[i] = fd;
        return;
      }
  close(fd); /* full: the client sees its end closed */
}

/* Input for the container: what its stdin cannot take now is dropped, so
 * that a container that does not read never stops its own output. */
static void
write_input(int fd, const char *p, size_t n)
{
  while (n > 0)
    {
      ssize_t w = write(fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && errno == EAGAIN)
        {
          struct pollfd pf = { .fd = fd, .events = POLLOUT };
          if (poll(&pf, 1, 1000) > 0)
            continue;
        }
      if (w <= 0)
        return;
      p += w;
      n -= (size_t) w;
    }
}

static void
client_message(struct attach_server *s, int fd)
{
  char msg[1 + ATTACH_MSG_MAX];
  ssize_t n = recv(fd, msg, sizeof msg, 0);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0)
    {
      drop_client(s, fd);
      return;
    }
  if (msg[0] == ATTACH_STDIN && s->input_fd >= 0)
    write_input(s->input_fd, msg + 1, (size_t) n - 1);
  else if (msg[0] == ATTACH_RESIZE && n == 5 && s->console_fd >= 0)
    {
      uint16_t rc[2];
      memcpy(rc, msg + 1, sizeof rc);
      struct winsize ws = { .ws_row = rc[0], .ws_col = rc[1] };
      ioctl(s->console_fd, TIOCSWINSZ, &ws);
    }
}

void
attach_server_handle(struct attach_server *s, const struct pollfd *p, int n)
{
  for (int i = 0; i < n; i++)
    {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      if (p[i].fd == s->listen_fd)
        accept_client(s);
      else
        client_message(s, p[i].fd);
    }
}

/* One message to one client; a client that cannot take it within a
 * second is dropped rather than stall the container. */
static void
send_msg(struct attach_server *s, int fd, const char *msg, size_t len)
{
  for (;;)
    {
      ssize_t w = send(fd, msg, len, MSG_NOSIGNAL);
      if (w >= 0)
        return;
      if (errno == EINTR)
        continue;
      struct pollfd pf = { .fd = fd, .events = POLLOUT };
      if (errno == EAGAIN && poll(&pf, 1, 1000) > 0 && !(pf.revents & (POLLERR | POLLHUP)))
        continue;
      drop_client(s, fd);
      return;
    }
}

static void
send_all(struct attach_server *s, int type, const char *data, size_t len)
{
  char msg[1 + ATTACH_MSG_MAX];
  do
    {
      size_t n = len < ATTACH_MSG_MAX ? len : ATTACH_MSG_MAX;
      msg[0] = (char) type;
      memcpy(msg + 1, data, n);
      for (int i = 0; i < ATTACH_CLIENTS_MAX; i++)
        if (s->clients[i] >= 0)
          send_msg(s, s->clients[i], msg, n + 1);
      data += n;
      len -= n;
    }
  while (len > 0);
}

void
attach_server_send(struct attach_server *s, int stream, const char *data, size_t len)
{
  if (s->listen_fd >= 0 && len > 0)
    send_all(s, stream, data, len);
}

void
attach_server_finish(struct attach_server *s, int code)
{
  if (s->listen_fd < 0)
    return;
  close(s->listen_fd);
  s->listen_fd = -1;
  char path[PATH_MAX];
  size_t n = strlen(s->dir);
  if (n + sizeof "/" ATTACH_SOCKET <= sizeof path)
    {
      memcpy(path, s->dir, n);
      memcpy(path + n, "/" ATTACH_SOCKET, sizeof "/" ATTACH_SOCKET);
      unlink(path);
    }
  /* Who connected before the close still gets the end. */
  char text[16], *end = text;
  if (code < 0)
    *end++ = '-';
  end = put_uint(end, (unsigned) (code < 0 ? -code : code));
  send_all(s, ATTACH_EXIT, text, (size_t) (end - text));
  for (int i = 0; i < ATTACH_CLIENTS_MAX; i++)
    if (s->clients[i] >= 0)
      close(s->clients[i]), s->clients[i] = -1;
}
