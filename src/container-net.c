#include "container-net.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "state.h"
#include "util.h"

#include "libnet/etc-files.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
ctr_net_plan(const struct run_opts *ro, json_object *image_config, struct net_options *out, ctool_error_t *err)
{
  if (net_options_parse(ro->network, out, err) < 0)
    return -1;
  for (size_t i = 0; ro->publish && ro->publish[i]; i++)
    if (net_ports_parse(ro->publish[i], &out->ports, &out->n_ports, err) < 0)
      goto fail;
  if (ro->publish_all
      && net_ports_from_exposed(json_get_obj(json_get_obj(image_config, "config"), "ExposedPorts"), &out->ports,
                                &out->n_ports, err) < 0)
    goto fail;
  if (net_ports_check_mode(out, err) < 0 || net_ports_reserve(out->ports, out->n_ports, err) < 0)
    goto fail;
  return 0;
fail:
  net_options_clear(out);
  return -1;
}

char *
ctr_net_hosts_text(const struct run_opts *ro, const struct net_options *net, const char *hostname)
{
  size_t n = strv_len(ro->add_hosts);
  struct etc_hosts_entry *extra = xzalloc((n + 1) * sizeof *extra);
  char **copies = NULL;
  const char *gateway = net_mode_host_gateway(net);
  for (size_t i = 0; i < n; i++)
    {
      char *copy = xstrdup(ro->add_hosts[i]);
      strv_push(&copies, copy);
      free(copy);
      char *c = copies[i], *colon = strchr(c, ':');
      *colon = '\0';
      extra[i].name = c;
      extra[i].addr = strcmp(colon + 1, "host-gateway") == 0 ? (gateway ? gateway : "127.0.0.1") : colon + 1;
    }
  char ctr_addr[16] = "";
  if (net->mode == NET_SLIRP4NETNS)
    {
      /* The gateway is .2, the container .100 of the same network. */
      unsigned a, b, c, d;
      if (gateway && sscanf(gateway, "%u.%u.%u.%u", &a, &b, &c, &d) == 4)
        snprintf(ctr_addr, sizeof ctr_addr, "%u.%u.%u.%u", a, b, c, d - 2 + 100);
    }
  char *text = etc_hosts_render(hostname, ctr_addr[0] ? ctr_addr : NULL, gateway, extra, n);
  strv_free(copies);
  free(extra);
  return text;
}

char *
ctr_net_resolv_text(const struct run_opts *ro, const struct net_options *net)
{
  cleanup_free char *host_resolv = NULL;
  read_file_at(AT_FDCWD, "/etc/resolv.conf", &host_resolv, NULL, 1u << 20, NULL); /* none: no host resolvers */
  /* In the host's namespace its loopback resolvers (127.0.0.53) answer. */
  if (net->mode == NET_HOST && !(ro->dns && ro->dns[0]) && !(ro->dns_search && ro->dns_search[0])
      && !(ro->dns_options && ro->dns_options[0]))
    return xstrdup(host_resolv ? host_resolv : "");
  return etc_resolv_render(host_resolv ? host_resolv : "", net_mode_dns(net), ro->dns, ro->dns_search,
                           ro->dns_options);
}

int
ctr_net_options(json_object *meta, struct net_options *out, ctool_error_t *err)
{
  const char *spec = json_get_str(meta, META_NETWORK);
  /* Containers made before networking was real had "none" or "host". */
  if (net_options_parse(spec ? spec : "none", out, err) < 0)
    return -1;
  json_object *ports = json_get_array(meta, META_PORTS);
  if (ports && json_object_array_length(ports) > 0
      && json_object_is_type(json_object_array_get_idx(ports, 0), json_type_object)
      && net_ports_from_json(ports, &out->ports, &out->n_ports, err) < 0)
    {
      net_options_clear(out);
      return -1;
    }
  return 0;
}

int
ctr_net_check_ports(const struct container *c, ctool_error_t *err)
{
  struct net_options o;
  if (ctr_net_options(c->meta, &o, err) < 0)
    return -1;
  int ret = net_ports_reserve(o.ports, o.n_ports, err);
  net_options_clear(&o);
  return ret;
}

static json_object *
record_json(const struct net_handle *h)
{
  json_object *r = json_object_new_object();
  unsigned long long start = 0, proxy_start = 0;
  if (h->helper_pid > 0 && proc_start_time(h->helper_pid, &start) < 0)
    start = 0;
  json_object_object_add(r, "Mode", json_object_new_string(net_mode_name(h->mode)));
  json_object_object_add(r, "HelperPid", json_object_new_int(h->helper_pid));
  json_object_object_add(r, "HelperStart", json_object_new_int64((int64_t) start));
  if (h->proxy_pid > 0 && proc_start_time(h->proxy_pid, &proxy_start) == 0)
    {
      json_object_object_add(r, "ProxyPid", json_object_new_int(h->proxy_pid));
      json_object_object_add(r, "ProxyStart", json_object_new_int64((int64_t) proxy_start));
    }
  if (h->api_socket)
    json_object_object_add(r, "ApiSocket", json_object_new_string(h->api_socket));
  if (h->ctr_addr)
    json_object_object_add(r, "IPAddress", json_object_new_string(h->ctr_addr));
  if (h->host_gateway)
    json_object_object_add(r, "Gateway", json_object_new_string(h->host_gateway));
  if (h->dns)
    json_object_object_add(r, "DNS", json_object_new_string(h->dns));
  return r;
}

int
ctr_net_start(const struct container *c, pid_t pid, int *exit_fd, ctool_error_t *err)
{
  *exit_fd = -1;
  struct net_options o;
  if (ctr_net_options(c->meta, &o, err) < 0)
    return -1;
  if (o.mode != NET_SLIRP4NETNS && o.mode != NET_PASTA)
    {
      net_options_clear(&o);
      return 0;
    }
  /* RUNROOT (rundir is RUNROOT/containers/ID), next to the other caches:
   * what slirp4netns supports, learnt once. */
  cleanup_free char *cache_dir = xstrdup(c->rundir);
  for (int up = 0; up < 2; up++)
    {
      char *slash = strrchr(cache_dir, '/');
      if (slash && slash != cache_dir)
        *slash = '\0';
    }
  o.cache_dir = cache_dir;
  struct net_handle h;
  if (mkdir_p(c->rundir, 0700, err) < 0 || net_start(&o, pid, c->rundir, &h, err) < 0)
    {
      net_options_clear(&o);
      return -1;
    }
  net_options_clear(&o);
  cleanup_json json_object *rec = record_json(&h);
  cleanup_free char *path = xasprintf("%s/" NET_RECORD_FILE, c->rundir);
  if (json_write_file_at(AT_FDCWD, path, rec, 0600, err) < 0)
    {
      net_stop(&h);
      return -1;
    }
  *exit_fd = h.exit_fd;
  h.exit_fd = -1;
  net_handle_clear(&h);
  return 0;
}

/* Gone, or a zombie: reaped here when it is our child (a foreground
 * ctool), else by its parent or init. */
static bool
helper_gone(pid_t pid, unsigned long long start)
{
  if (waitpid(pid, NULL, WNOHANG) == pid || !proc_same(pid, start))
    return true;
  cleanup_free char *path = xasprintf("/proc/%d/stat", (int) pid);
  cleanup_free char *text = NULL;
  ctool_error_t e = NULL;
  if (read_file_at(AT_FDCWD, path, &text, NULL, 4096, &e) < 0)
    {
      ctool_error_free(&e);
      return true;
    }
  const char *paren = strrchr(text, ')');
  return paren && paren[1] == ' ' && paren[2] == 'Z';
}

/* Kill the helper: it keeps nothing worth a graceful end (its socket is
 * removed here). Our own child (a foreground run) is certain to go and is
 * reaped once we exit: no waiting for the kernel to tear its tap device
 * down (10-20 ms). Another's (the monitor's, an orphan) is waited for, so
 * that stop and rm return with it gone. */
static void
end_helper(pid_t pid, unsigned long long start)
{
  if (helper_gone(pid, start))
    return;
  kill(pid, SIGKILL);
  if (waitpid(pid, NULL, WNOHANG) == 0)
    return;
  for (int i = 0; i < 2000; i++)
    {
      if (helper_gone(pid, start))
        return;
      struct timespec ts = { 0, 200 * 1000 };
      nanosleep(&ts, NULL);
    }
  log_warn("the network helper (PID %d) is still there after SIGKILL", (int) pid);
}

void
ctr_net_cleanup(const struct container *c)
{
  cleanup_free char *path = xasprintf("%s/" NET_RECORD_FILE, c->rundir);
  cleanup_json json_object *rec = NULL;
  ctool_error_t e = NULL;
  if (json_read_file_at(AT_FDCWD, path, &rec, &e) < 0)
    {
      ctool_error_free(&e);
      return;
    }
  static const char *const helpers[][2] = { { "HelperPid", "HelperStart" }, { "ProxyPid", "ProxyStart" } };
  for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
    {
      pid_t pid = (pid_t) json_get_int(rec, helpers[i][0], 0);
      int64_t start = json_get_int(rec, helpers[i][1], 0);
      if (pid > 0 && start > 0)
        end_helper(pid, (unsigned long long) start);
    }
  const char *sock = json_get_str(rec, "ApiSocket");
  if (sock)
    unlink(sock);
  unlink(path);
}

json_object *
ctr_net_inspect(const struct container *c)
{
  struct net_options o;
  ctool_error_t e = NULL;
  if (ctr_net_options(c->meta, &o, &e) < 0)
    {
      ctool_error_free(&e);
      memset(&o, 0, sizeof o);
    }
  struct net_handle h = { .exit_fd = -1 };
  cleanup_free char *path = xasprintf("%s/" NET_RECORD_FILE, c->rundir);
  cleanup_json json_object *rec = NULL;
  bool running = false;
  if (json_read_file_at(AT_FDCWD, path, &rec, &e) == 0)
    {
      int64_t start = json_get_int(rec, "HelperStart", 0);
      pid_t pid = (pid_t) json_get_int(rec, "HelperPid", 0);
      running = pid > 0 && start > 0 && proc_same(pid, (unsigned long long) start);
      if (running)
        {
          h.mode = o.mode;
          h.helper_pid = pid;
          const char *s;
          if ((s = json_get_str(rec, "IPAddress")))
            h.ctr_addr = xstrdup(s);
          if ((s = json_get_str(rec, "Gateway")))
            h.host_gateway = xstrdup(s);
        }
    }
  ctool_error_free(&e);
  json_object *j = net_inspect_json(&o, running ? &h : NULL);
  net_handle_clear(&h);
  net_options_clear(&o);
  return j;
}
