/* Backend dispatch and what the backends share: spawning and ending the
 * helper process. */
#include "backend.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct net_backend *
backend_for(enum net_mode m)
{
  switch (m)
    {
    case NET_SLIRP4NETNS:
      return &net_backend_slirp4netns;
    case NET_PASTA:
      return &net_backend_pasta;
    default:
      return NULL;
    }
}

const char *
net_mode_dns(const struct net_options *o)
{
  const struct net_backend *b = backend_for(o->mode);
  return b ? b->dns(o) : NULL;
}

const char *
net_mode_host_gateway(const struct net_options *o)
{
  const struct net_backend *b = backend_for(o->mode);
  return b ? b->host_gateway(o) : NULL;
}

int
net_start(const struct net_options *o, pid_t pid, const char *rundir, struct net_handle *out, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  out->exit_fd = -1;
  out->mode = o->mode;
  const struct net_backend *b = backend_for(o->mode);
  if (b == NULL)
    {
      if (o->n_ports > 0)
        return ctool_error_set(err, 0, "cannot publish ports with --network %s: use slirp4netns or pasta",
                               net_mode_name(o->mode));
      return 0;
    }
  if (b->start(o, pid, rundir, out, err) < 0)
    return ctool_error_prefix(err, "network (%s)", b->name);
  return 0;
}

int
net_ports_check_mode(const struct net_options *o, ctool_error_t *err)
{
  for (size_t i = 0; o->mode == NET_SLIRP4NETNS && i < o->n_ports; i++)
    if (net_port_needs_proxy(&o->ports[i]) && strcmp(o->ports[i].proto, "tcp") != 0)
      return ctool_error_set(err, 0, "cannot publish UDP on the IPv6 address %s: slirp4netns forwards UDP from IPv4 "
                                     "addresses only; use e.g. 127.0.0.1, or --network pasta",
                             o->ports[i].host_ip);
  return 0;
}

void
net_handle_clear(struct net_handle *h)
{
  free(h->api_socket);
  free(h->dns);
  free(h->host_gateway);
  free(h->ctr_addr);
  memset(h, 0, sizeof *h);
  h->exit_fd = -1;
}

void
net_stop(struct net_handle *h)
{
  if (h->exit_fd >= 0)
    close(h->exit_fd);
  if (h->helper_pid > 0)
    net_kill_helper(h->helper_pid);
  if (h->proxy_pid > 0)
    net_kill_helper(h->proxy_pid);
  if (h->api_socket)
    unlink(h->api_socket);
  net_handle_clear(h);
}

void
net_kill_helper(pid_t pid)
{
  kill(pid, SIGTERM);
  /* Reap it when it is our child; otherwise its parent (or init) will. */
  for (int i = 0; i < 100; i++)
    {
      pid_t r = waitpid(pid, NULL, WNOHANG);
      if (r == pid || (r < 0 && errno == ECHILD))
        return;
      usleep(1000);
    }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

static bool
in_list(int fd, const int *keep, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (keep[i] == fd)
      return true;
  return false;
}

pid_t
net_spawn_helper(char *const *argv, const int *keep_fds, size_t n_keep, const char *cwd, const char *log_path,
                 ctool_error_t *err)
{
  int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0)
    return ctool_error_set(err, errno, "create %s", log_path);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0)
    {
      close(log_fd);
      return ctool_error_set(err, errno, "fork %s", argv[0]);
    }
  if (pid == 0)
    {
      /* A session of its own: ^C on the user's terminal is not for it.
       * It ends when the process that waits for the container dies (also
       * by kill -9): the exit fd for slirp4netns, this for pasta. */
      setsid();
      if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
        _exit(127);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
        _exit(127);
      if (cwd && chdir(cwd) < 0)
        {
          dprintf(2, "cannot enter %s: %s\n", cwd, strerror(errno));
          _exit(127);
        }
      for (size_t i = 0; i < n_keep; i++)
        {
          int flags = fcntl(keep_fds[i], F_GETFD);
          fcntl(keep_fds[i], F_SETFD, flags & ~FD_CLOEXEC);
        }
      /* Every other inherited descriptor closes at exec. */
      for (int fd = 3; fd < 1024; fd++)
        if (!in_list(fd, keep_fds, n_keep))
          {
            int flags = fcntl(fd, F_GETFD);
            if (flags >= 0 && !(flags & FD_CLOEXEC))
              fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
          }
      execvp(argv[0], argv);
      dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
      _exit(127);
    }
  close(log_fd);
  return pid;
}

char *
net_helper_log_tail(const char *log_path)
{
  cleanup_free char *text = NULL;
  if (read_file_at(AT_FDCWD, log_path, &text, NULL, 1 << 20, NULL) < 0)
    return xstrdup("");
  /* The last line that is not a warning (slirp4netns warns that seccomp
   * is experimental after the real error). */
  for (;;)
    {
      size_t len = strlen(text);
      while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = '\0';
      char *last = strrchr(text, '\n');
      char *line = last ? last + 1 : text;
      if (!str_has_prefix(line, "WARNING:") || line == text)
        return xstrdup(line);
      *last = '\0';
    }
}

static int
net_prefix_len(const struct net_options *o)
{
  const char *slash = o->cidr ? strrchr(o->cidr, '/') : NULL;
  return slash ? atoi(slash + 1) : 24;
}

json_object *
net_inspect_json(const struct net_options *o, const struct net_handle *h)
{
  json_object *ns = json_object_new_object();
  json_object_object_add(ns, "Mode", json_object_new_string(net_mode_name(o->mode)));
  json_object *ports = json_object_new_object();
  for (size_t i = 0; i < o->n_ports; i++)
    {
      const struct port_mapping *m = &o->ports[i];
      cleanup_free char *key = xasprintf("%u/%s", m->ctr_port, m->proto);
      json_object *list;
      if (!json_object_object_get_ex(ports, key, &list))
        {
          list = json_object_new_array();
          json_object_object_add(ports, key, list);
        }
      json_object *binding = json_object_new_object();
      cleanup_free char *hp = xasprintf("%u", m->host_port);
      json_object_object_add(binding, "HostIp", json_object_new_string(m->host_ip));
      json_object_object_add(binding, "HostPort", json_object_new_string(hp));
      json_object_array_add(list, binding);
    }
  json_object_object_add(ns, "Ports", ports);
  /* Podman shows these as strings, "" when there is no address. */
  json_object_object_add(ns, "IPAddress", json_object_new_string(h && h->ctr_addr ? h->ctr_addr : ""));
  json_object_object_add(ns, "IPPrefixLen", json_object_new_int(h && h->ctr_addr ? net_prefix_len(o) : 0));
  json_object_object_add(ns, "Gateway", json_object_new_string(h && h->host_gateway ? h->host_gateway : ""));
  if (h && h->helper_pid > 0)
    json_object_object_add(ns, "HelperPid", json_object_new_int(h->helper_pid));
  return ns;
}
