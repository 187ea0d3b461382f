/* The pasta backend (passt's namespace mode): it copies the host's
 * addresses into the namespace and forwards the published ports. It runs
 * in the foreground as our child and writes its PID file once the
 * namespace is configured. */
#include "backend.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define PASTA_READY_TIMEOUT_MS 10000
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

/* Ready when the PID file has content; failed when pasta exits first. */
static int
wait_pid_file(pid_t helper, const char *pid_path, const char *log_path, ctool_error_t *err)
{
  for (int ms = 0; ms < PASTA_READY_TIMEOUT_MS; ms++)
    {
      struct stat st;
      if (stat(pid_path, &st) == 0 && st.st_size > 0)
        return 0;
      int status;
      if (waitpid(helper, &status, WNOHANG) == helper)
        {
          cleanup_free char *tail = net_helper_log_tail(log_path);
          return ctool_error_set(err, 0, "pasta failed to set up the network%s%s", *tail ? ": " : "", tail);
        }
      struct timespec ts = { 0, 1000 * 1000 };
      nanosleep(&ts, NULL);
    }
  return ctool_error_set(err, 0, "pasta did not configure the network in %d s", PASTA_READY_TIMEOUT_MS / 1000);
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
  strv_push(&argv, "--foreground");
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

  /* pasta stays our child (-f), so that it ends with the process that
   * waits for the container (see net_spawn_helper); in the foreground it
   * writes its PID file once the namespace is configured. */
  unlink(pid_path);
  pid_t p = net_spawn_helper(argv, NULL, 0, NULL, log_path, err);
  if (p < 0)
    return -1;
  if (wait_pid_file(p, pid_path, log_path, err) < 0)
    {
      net_kill_helper(p);
      return -1;
    }
  h->mode = NET_PASTA;
  h->helper_pid = p;
  h->exit_fd = -1;
  return 0;
}

const struct net_backend net_backend_pasta = {
  .name = "pasta",
  .dns = pasta_dns,
  .host_gateway = pasta_host_gateway,
  .start = pasta_start,
};
