/* The pasta backend (passt's namespace mode): it copies the host's
 * addresses into the namespace, forwards the published ports, and puts
 * itself in the background once the namespace is configured; it ends when
 * the namespace goes away. */
#include "backend.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *
pasta_dns(const struct net_options *o)
{
  return NULL; /* the host's resolvers are reachable as they are */
}

static const char *
pasta_host_gateway(const struct net_options *o)
{
  return NULL;
}

/* "-t 127.0.0.1/8080:80" style arguments for one mapping. */
static char *
port_arg(const struct port_mapping *m)
{
  if (m->host_ip[0])
    return xasprintf("%s/%u:%u", m->host_ip, m->host_port, m->ctr_port);
  return xasprintf("%u:%u", m->host_port, m->ctr_port);
}

static int
pasta_start(const struct net_options *o, pid_t pid, const char *rundir, struct net_handle *h, ctool_error_t *err)
{
  if (access("/usr/bin/pasta", X_OK) != 0 && access("/usr/local/bin/pasta", X_OK) != 0)
    return ctool_error_set(err, 0, "pasta is not installed: install it (apt-get install passt) or use --network slirp4netns");
  cleanup_free char *log_path = xasprintf("%s/pasta.log", rundir);
  cleanup_free char *pid_path = xasprintf("%s/pasta.pid", rundir);
  char pid_arg[16];
  snprintf(pid_arg, sizeof pid_arg, "%d", (int) pid);

  cleanup_strv char **argv = NULL;
  strv_push(&argv, "pasta");
  strv_push(&argv, "--config-net");
  strv_push(&argv, "--quiet");
  strv_push(&argv, "--pid");
  strv_push(&argv, pid_path);
  bool tcp = false, udp = false;
  for (size_t i = 0; i < o->n_ports; i++)
    {
      bool is_udp = strcmp(o->ports[i].proto, "udp") == 0;
      strv_push(&argv, is_udp ? "-u" : "-t");
      cleanup_free char *a = port_arg(&o->ports[i]);
      strv_push(&argv, a);
      tcp |= !is_udp;
      udp |= is_udp;
    }
  if (!tcp)
    {
      strv_push(&argv, "-t");
      strv_push(&argv, "none");
    }
  if (!udp)
    {
      strv_push(&argv, "-u");
      strv_push(&argv, "none");
    }
  strv_push(&argv, "-T");
  strv_push(&argv, "none");
  strv_push(&argv, "-U");
  strv_push(&argv, "none");
  if (o->mtu)
    {
      cleanup_free char *m = xasprintf("%u", o->mtu);
      strv_push(&argv, "--mtu");
      strv_push(&argv, m);
    }
  for (size_t i = 0; o->pasta_args && o->pasta_args[i]; i++)
    strv_push(&argv, o->pasta_args[i]);
  strv_push(&argv, pid_arg);

  /* pasta forks into the background once the namespace is ready, so the
   * process we start ends quickly: its exit status says whether it worked. */
  pid_t p = net_spawn_helper(argv, NULL, 0, log_path, err);
  if (p < 0)
    return -1;
  int status;
  while (waitpid(p, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    {
      cleanup_free char *tail = net_helper_log_tail(log_path);
      return ctool_error_set(err, 0, "pasta failed to set up the network%s%s", *tail ? ": " : "", tail);
    }
  cleanup_free char *pid_text = NULL;
  unsigned long long daemon_pid = 0;
  ctool_error_t ignored = NULL;
  if (read_file_at(AT_FDCWD, pid_path, &pid_text, NULL, 64, &ignored) == 0)
    {
      pid_text[strcspn(pid_text, "\n")] = '\0';
      str_to_u64(pid_text, &daemon_pid);
    }
  ctool_error_free(&ignored);
  h->mode = NET_PASTA;
  h->helper_pid = (pid_t) daemon_pid;
  h->exit_fd = -1;
  return 0;
}

const struct net_backend net_backend_pasta = {
  .name = "pasta",
  .dns = pasta_dns,
  .host_gateway = pasta_host_gateway,
  .start = pasta_start,
};
