/* Published ports on IPv6 host addresses with slirp4netns, whose API binds
 * only IPv4 ones ("-p [::1]:8080:80"): ctool listens on the host address
 * itself and relays each TCP connection from inside the container's
 * network namespace to the container's address and port, which is where
 * slirp4netns delivers forwarded connections too. One process per
 * container (a fork, no exec, one more per open connection), ending with
 * the helper's exit fd like slirp4netns itself. */
#include "backend.h"
#include "util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROXY_BACKLOG 128
#define PROXY_BUF 65536

bool
net_port_needs_proxy(const struct port_mapping *m)
{
  return strchr(m->host_ip, ':') != NULL;
}

/* A listening TCP socket on the IPv6 address and port of M. */
static int
listen_on(const struct port_mapping *m, ctool_error_t *err)
{
  struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(m->host_port) };
  if (inet_pton(AF_INET6, m->host_ip, &sa.sin6_addr) != 1)
    return ctool_error_set(err, 0, "invalid IPv6 address '%s'", m->host_ip);
  int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return ctool_error_set(err, errno, "socket for [%s]:%u", m->host_ip, m->host_port);
  int one = 1;
  setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(fd, PROXY_BACKLOG) < 0)
    {
      int e = errno;
      close(fd);
      if (e == EADDRINUSE)
        return ctool_error_set(err, 0, "host port [%s]:%u/tcp is already in use: choose another host port with -p",
                               m->host_ip, m->host_port);
      return ctool_error_set(err, e, "cannot listen on [%s]:%u/tcp", m->host_ip, m->host_port);
    }
  return fd;
}

/* Copy what one side has to the other; at its end, half-close the other.
 * Returns false when the direction is over. */
static bool
pump(int from, int to, char *buf)
{
  ssize_t n = read(from, buf, PROXY_BUF);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    {
      shutdown(to, SHUT_WR);
      return false;
    }
  for (ssize_t off = 0; off < n;)
    {
      ssize_t w = write(to, buf + off, (size_t) (n - off));
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return false;
      off += w;
    }
  return true;
}

/* Both directions of one connection until each has ended. */
static void
relay(int a, int b)
{
  char *buf = xmalloc(PROXY_BUF);
  bool a_open = true, b_open = true;
  while (a_open || b_open)
    {
      struct pollfd p[2] = { { .fd = a_open ? a : -1, .events = POLLIN }, { .fd = b_open ? b : -1, .events = POLLIN } };
      if (poll(p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (p[0].revents && !pump(a, b, buf))
        a_open = false;
      if (p[1].revents && !pump(b, a, buf))
        b_open = false;
      if ((p[0].revents | p[1].revents) & (POLLERR | POLLNVAL))
        break;
    }
  free(buf);
}

/* In a child of the proxy, in the container's network namespace: connect
 * to GUEST:PORT and relay CLIENT's connection to it. */
static void __attribute__((noreturn))
serve(int client, const char *guest, unsigned port)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
  inet_pton(AF_INET, guest, &sa.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr *) &sa, sizeof sa) == 0)
    relay(client, fd);
  _exit(0);
}

struct proxy {
  const struct port_mapping **maps; /* the IPv6 mappings, listeners[i] for maps[i] */
  int *listeners;
  size_t n;
  int exit_fd;   /* read end: EOF when the container's waiter is gone */
  int status_fd; /* write end: 0 or an errno once in the namespace */
  int userns_fd; /* -1: the container shares our user namespace */
  int netns_fd;
  const char *guest;
};

static bool
kept(const struct proxy *p, int fd)
{
  if (fd == p->exit_fd || fd == p->status_fd || fd == p->userns_fd || fd == p->netns_fd)
    return true;
  for (size_t i = 0; i < p->n; i++)
    if (p->listeners[i] == fd)
      return true;
  return false;
}

/* Nothing of ctool's but what the proxy needs: the user's terminal and
 * whatever else ctool holds are closed, stdio is /dev/null. */
static void
close_inherited(const struct proxy *p)
{
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3 && devnull >= 0; fd++)
    dup2(devnull, fd);
  DIR *d = opendir("/proc/self/fd");
  int dfd = d ? dirfd(d) : -1;
  int *doomed = NULL;
  size_t n = 0;
  for (struct dirent *de; d && (de = readdir(d)) != NULL;)
    {
      int fd = atoi(de->d_name);
      if (de->d_name[0] != '.' && fd > 2 && fd != dfd && !kept(p, fd))
        {
          doomed = xrealloc(doomed, (n + 1) * sizeof *doomed);
          doomed[n++] = fd;
        }
    }
  if (d)
    closedir(d);
  for (size_t i = 0; i < n; i++)
    close(doomed[i]);
  free(doomed);
}

static void __attribute__((noreturn))
proxy_main(const struct proxy *p, pid_t parent)
{
  int status = 0;
  setsid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
    _exit(1);
  prctl(PR_SET_NAME, "ctool-portfwd");
  close_inherited(p);
  if ((p->userns_fd >= 0 && setns(p->userns_fd, CLONE_NEWUSER) < 0) || setns(p->netns_fd, CLONE_NEWNET) < 0)
    status = errno;
  if (write(p->status_fd, &status, sizeof status) != (ssize_t) sizeof status || status != 0)
    _exit(1);
  close(p->status_fd);
  if (p->userns_fd >= 0)
    close(p->userns_fd);
  close(p->netns_fd);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGCHLD, SIG_IGN); /* connection children reap themselves */

  struct pollfd *pfd = xzalloc((p->n + 1) * sizeof *pfd);
  pfd[0] = (struct pollfd){ .fd = p->exit_fd, .events = POLLIN };
  for (size_t i = 0; i < p->n; i++)
    pfd[i + 1] = (struct pollfd){ .fd = p->listeners[i], .events = POLLIN };
  for (;;)
    {
      if (poll(pfd, p->n + 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          _exit(1);
        }
      if (pfd[0].revents)
        _exit(0);
      for (size_t i = 0; i < p->n; i++)
        {
          if (!pfd[i + 1].revents)
            continue;
          int client = accept4(p->listeners[i], NULL, NULL, SOCK_CLOEXEC);
          if (client < 0)
            continue;
          pid_t child = fork();
          if (child == 0)
            {
              for (size_t j = 0; j < p->n; j++)
                close(p->listeners[j]);
              close(p->exit_fd);
              serve(client, p->guest, p->maps[i]->ctr_port);
            }
          close(client);
        }
    }
}

static int
open_ns(pid_t pid, const char *kind, bool skip_if_ours, ctool_error_t *err)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/%s", (int) pid, kind);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ctool_error_set(err, errno, "open %s", path);
  char mine[32];
  snprintf(mine, sizeof mine, "/proc/self/ns/%s", kind);
  struct stat a, b;
  if (skip_if_ours && fstat(fd, &a) == 0 && stat(mine, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
    {
      close(fd);
      return -2;
    }
  return fd;
}

/* Fork the proxy for P (its listeners open) and wait until it is in the
 * container's namespaces. */
static pid_t
fork_proxy(struct proxy *p, ctool_error_t *err)
{
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) < 0)
    return ctool_error_set(err, errno, "pipe");
  p->status_fd = status_pipe[1];
  pid_t parent = getpid();
  pid_t child = fork();
  if (child == 0)
    proxy_main(p, parent);
  close(status_pipe[1]);
  int status = -1;
  ssize_t r = -1;
  while (child > 0 && (r = read(status_pipe[0], &status, sizeof status)) < 0 && errno == EINTR)
    ;
  close(status_pipe[0]);
  if (child < 0)
    return ctool_error_set(err, errno, "fork the port proxy");
  if (r != (ssize_t) sizeof status || status != 0)
    {
      net_kill_helper(child);
      return ctool_error_set(err, r == (ssize_t) sizeof status ? status : 0,
                             "the port proxy for IPv6 addresses cannot enter the container's network namespace");
    }
  return child;
}

pid_t
net_proxy_start(const struct port_mapping *ports, size_t n_ports, pid_t pid, const char *guest, int exit_fd,
                ctool_error_t *err)
{
  struct proxy p = { .exit_fd = exit_fd, .status_fd = -1, .userns_fd = -1, .netns_fd = -1, .guest = guest };
  p.maps = xzalloc((n_ports + 1) * sizeof *p.maps);
  p.listeners = xzalloc((n_ports + 1) * sizeof *p.listeners);
  pid_t child = 0;
  for (size_t i = 0; child == 0 && i < n_ports; i++)
    if (net_port_needs_proxy(&ports[i]))
      {
        if ((p.listeners[p.n] = listen_on(&ports[i], err)) < 0)
          child = -1;
        else
          p.maps[p.n++] = &ports[i];
      }
  if (child == 0 && p.n > 0)
    {
      p.userns_fd = open_ns(pid, "user", true, err);
      p.netns_fd = p.userns_fd == -1 ? -1 : open_ns(pid, "net", false, err);
      child = p.netns_fd < 0 ? -1 : fork_proxy(&p, err);
    }
  for (size_t i = 0; i < p.n; i++)
    close(p.listeners[i]);
  if (p.userns_fd >= 0)
    close(p.userns_fd);
  if (p.netns_fd >= 0)
    close(p.netns_fd);
  free(p.maps);
  free(p.listeners);
  return child;
}
