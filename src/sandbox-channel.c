/* The parent/child channel of the sandbox; see sandbox-channel.h. */
#include "sandbox-channel.h"

#include "util.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
channel_open(int fds[2], ctool_error_t *err)
{
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return ctool_error_set(err, errno, "create the sandbox socketpair");
  return 0;
}

int
channel_send(int sock, enum channel_type type, int32_t value, const char *text, int fd)
{
  struct channel_msg m = { .type = type, .value = value };
  size_t tl = 0;
  if (text)
    {
      tl = strnlen(text, CHANNEL_TEXT_MAX - 1);
      memcpy(m.text, text, tl);
    }
  m.text[tl] = '\0';
  struct iovec iov = { .iov_base = &m, .iov_len = offsetof(struct channel_msg, text) + tl + 1 };
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  if (fd >= 0)
    {
      memset(&control, 0, sizeof control);
      mh.msg_control = control.buf;
      mh.msg_controllen = sizeof control.buf;
      struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
  ssize_t r;
  do
    r = sendmsg(sock, &mh, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

int
channel_recv(int sock, struct channel_msg *msg, int *fd)
{
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = msg, .iov_len = sizeof *msg };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf };
  if (fd)
    *fd = -1;
  memset(msg, 0, offsetof(struct channel_msg, text) + 1);
  ssize_t r;
  do
    r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return errno == ECONNRESET ? 0 : -1;
  if (r == 0)
    return 0;
  if ((size_t) r < offsetof(struct channel_msg, text) + 1)
    {
      errno = EPROTO;
      return -1;
    }
  msg->text[CHANNEL_TEXT_MAX - 1] = '\0';
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        int got;
        memcpy(&got, CMSG_DATA(c), sizeof(int));
        if (fd)
          *fd = got;
        else
          close(got);
      }
  return 1;
}

void
channel_fail(int sock, ctool_error_t *err)
{
  int code = EXIT_CTOOL_ERROR;
  const char *text = "container setup failed";
  if (err && *err)
    {
      code = (*err)->exit_code ? (*err)->exit_code : EXIT_CTOOL_ERROR;
      text = (*err)->msg;
    }
  channel_send(sock, CHANNEL_ERROR, code, text, -1);
  _exit(code);
}

void
channel_wait(int sock, enum channel_type type)
{
  struct channel_msg m;
  int r = channel_recv(sock, &m, NULL);
  if (r <= 0 || m.type != (int32_t) type)
    _exit(EXIT_CTOOL_ERROR);
}

int
channel_take(const struct channel_msg *m, int fd, int *console_fd, ctool_error_t *err)
{
  if (m->type == CHANNEL_FD && fd >= 0 && console_fd && *console_fd < 0)
    {
      *console_fd = fd;
      return 0;
    }
  if (fd >= 0)
    close(fd);
  if (m->type == CHANNEL_ERROR)
    return ctool_error_set_exit(err, m->value ? m->value : EXIT_CTOOL_ERROR, 0, "%s", m->text);
  return 0;
}

int
channel_collect(int sock, int *console_fd, const char *what, ctool_error_t *err)
{
  for (;;)
    {
      struct channel_msg m;
      int fd = -1;
      int r = channel_recv(sock, &m, &fd);
      if (r == 0)
        return 0;
      if (r < 0)
        return ctool_error_set(err, errno, "%s", what);
      if (channel_take(&m, fd, console_fd, err) < 0)
        return -1;
    }
}
