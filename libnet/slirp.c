/* The slirp4netns backend: user-mode TCP/IP for a network namespace,
 * configured through --configure, ended through --exit-fd, waited for
 * through --ready-fd, and told about published ports through its API
 * socket (one JSON request per connection). */
#include "backend.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLIRP_DEFAULT_MTU 65520
#define SLIRP_READY_TIMEOUT_MS 10000
#define SLIRP_API_NAME "slirp4netns.sock"

/* Address number N (2: gateway, 3: DNS, 100: container) in the CIDR. */
static const char *
cidr_addr(const struct net_options *o, unsigned n, char *buf, size_t len)
{
  unsigned a = 10, b = 0, c = 2, d = 0, bits = 24;
  if (o->cidr)
    sscanf(o->cidr, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &bits);
  uint32_t base = (a << 24) | (b << 16) | (c << 8) | d;
  uint32_t mask = bits ? ~((1u << (32 - bits)) - 1) : 0;
  uint32_t ip = (base & mask) + n;
  snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
  return buf;
}

static const char *
slirp_dns(const struct net_options *o)
{
  static char buf[16];
  return cidr_addr(o, 3, buf, sizeof buf);
}

static const char *
slirp_host_gateway(const struct net_options *o)
{
  static char buf[16];
  return cidr_addr(o, 2, buf, sizeof buf);
}

/* One request on the API socket; returns the parsed reply. */
static int
api_request(const char *sock_path, json_object *req, json_object **reply, ctool_error_t *err)
{
  cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return ctool_error_set(err, errno, "slirp4netns API socket");
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen(sock_path) >= sizeof sa.sun_path)
    return ctool_error_set(err, 0, "slirp4netns API socket path too long: %s", sock_path);
  strcpy(sa.sun_path, sock_path);
  if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    return ctool_error_set(err, errno, "connect to slirp4netns API socket %s", sock_path);
  size_t len;
  const char *text = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN, &len);
  if (write(fd, text, len) != (ssize_t) len)
    return ctool_error_set(err, errno, "write to slirp4netns API socket");
  shutdown(fd, SHUT_WR);
  char buf[4096];
  int errnum;
  size_t got = read_fd_text(fd, buf, sizeof buf, &errnum);
  if (errnum)
    return ctool_error_set(err, errnum, "read from slirp4netns API socket");
  return json_parse_text(buf, got, "slirp4netns API reply", reply, err);
}

static int
slirp_add_port(const char *sock_path, const struct port_mapping *m, const char *guest_addr, ctool_error_t *err)
{
  cleanup_json json_object *req = json_object_new_object();
  json_object *args = json_object_new_object();
  json_object_object_add(req, "execute", json_object_new_string("add_hostfwd"));
  json_object_object_add(args, "proto", json_object_new_string(m->proto));
  json_object_object_add(args, "host_addr", json_object_new_string(m->host_ip[0] ? m->host_ip : "0.0.0.0"));
  json_object_object_add(args, "host_port", json_object_new_int(m->host_port));
  json_object_object_add(args, "guest_addr", json_object_new_string(guest_addr));
  json_object_object_add(args, "guest_port", json_object_new_int(m->ctr_port));
  json_object_object_add(req, "arguments", args);
  cleanup_json json_object *reply = NULL;
  if (api_request(sock_path, req, &reply, err) < 0)
    return -1;
  json_object *e = json_get_obj(reply, "error");
  if (e)
    {
      const char *desc = json_get_str(e, "desc");
      return ctool_error_set(err, 0, "cannot publish %s:%u->%u/%s: %s", m->host_ip[0] ? m->host_ip : "0.0.0.0",
                             m->host_port, m->ctr_port, m->proto, desc ? desc : "slirp4netns refused");
    }
  return 0;
}

/* Which optional flags this slirp4netns knows, from its --help (cached per
 * binary in the process: one exec per ctool run at most). */
struct slirp_features {
  bool sandbox, seccomp, disable_host_loopback, cidr, mtu;
};

static int
probe_features(struct slirp_features *f, ctool_error_t *err)
{
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return ctool_error_set(err, errno, "pipe");
  pid_t pid = fork();
  if (pid < 0)
    {
      close(pipefd[0]);
      close(pipefd[1]);
      return ctool_error_set(err, errno, "fork");
    }
  if (pid == 0)
    {
      dup2(pipefd[1], 1);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 2);
      execlp("slirp4netns", "slirp4netns", "--help", (char *) NULL);
      _exit(127);
    }
  close(pipefd[1]);
  char buf[8192];
  size_t got = read_fd_text(pipefd[0], buf, sizeof buf, NULL);
  close(pipefd[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (got == 0)
    return ctool_error_set(err, 0, "slirp4netns is not installed: install it (apt-get install slirp4netns) or use --network none");
  f->sandbox = strstr(buf, "--enable-sandbox") != NULL;
  f->seccomp = strstr(buf, "--enable-seccomp") != NULL;
  f->disable_host_loopback = strstr(buf, "--disable-host-loopback") != NULL;
  f->cidr = strstr(buf, "--cidr") != NULL;
  f->mtu = strstr(buf, "--mtu") != NULL;
  return 0;
}

/* The slirp4netns that execvp would run, with its stat. */
static bool
find_binary(char *path, size_t len, struct stat *st)
{
  const char *env = getenv("PATH");
  cleanup_free char *dirs = xstrdup(env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
  char *save = NULL;
  for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save))
    {
      snprintf(path, len, "%s/slirp4netns", d);
      if (stat(path, st) == 0 && S_ISREG(st->st_mode) && access(path, X_OK) == 0)
        return true;
    }
  return false;
}

/* The flags, from CACHE_DIR when it describes this very binary (path,
 * size, mtime), else from --help, then cached: no exec on most starts. */
static int
features_cached(const char *cache_dir, struct slirp_features *f, ctool_error_t *err)
{
  char bin[PATH_MAX];
  struct stat st;
  if (cache_dir == NULL || !find_binary(bin, sizeof bin, &st))
    return probe_features(f, err);
  cleanup_free char *key = xasprintf("%s %lld %lld.%09ld", bin, (long long) st.st_size, (long long) st.st_mtim.tv_sec,
                                     st.st_mtim.tv_nsec);
  cleanup_free char *cache = xasprintf("%s/slirp4netns.features", cache_dir);
  cleanup_free char *text = NULL;
  ctool_error_t ignored = NULL;
  unsigned bits;
  if (read_file_at(AT_FDCWD, cache, &text, NULL, 8192, &ignored) == 0)
    {
      char *nl = strchr(text, '\n');
      if (nl && (*nl = '\0', strcmp(text, key) == 0) && sscanf(nl + 1, "%u", &bits) == 1)
        {
          *f = (struct slirp_features){ .sandbox = bits & 1, .seccomp = bits & 2, .disable_host_loopback = bits & 4,
                                        .cidr = bits & 8, .mtu = bits & 16 };
          return 0;
        }
    }
  ctool_error_free(&ignored);
  if (probe_features(f, err) < 0)
    return -1;
  bits = f->sandbox | f->seccomp << 1 | f->disable_host_loopback << 2 | f->cidr << 3 | f->mtu << 4;
  cleanup_free char *out = xasprintf("%s\n%u\n", key, bits);
  if (write_file_atomic_at(AT_FDCWD, cache, out, strlen(out), 0600, false, &ignored) < 0)
    ctool_error_free(&ignored); /* only a cache */
  return 0;
}

static int
wait_ready(int ready_fd, pid_t helper, const char *log_path, ctool_error_t *err)
{
  struct pollfd p = { .fd = ready_fd, .events = POLLIN };
  int r;
  while ((r = poll(&p, 1, SLIRP_READY_TIMEOUT_MS)) < 0 && errno == EINTR)
    ;
  char c = 0;
  if (r > 0 && read(ready_fd, &c, 1) == 1 && c == '1')
    return 0;
  cleanup_free char *tail = net_helper_log_tail(log_path);
  int status;
  if (waitpid(helper, &status, WNOHANG) == helper)
    return ctool_error_set(err, 0, "slirp4netns failed to set up the network%s%s", *tail ? ": " : "", tail);
  return ctool_error_set(err, 0, "slirp4netns did not become ready in %d s%s%s", SLIRP_READY_TIMEOUT_MS / 1000,
                         *tail ? ": " : "", tail);
}

static int
slirp_start(const struct net_options *o, pid_t pid, const char *rundir, struct net_handle *h, ctool_error_t *err)
{
  struct slirp_features f = { 0 };
  if (features_cached(o->cache_dir, &f, err) < 0)
    return -1;
  if (net_ports_check_mode(o, err) < 0)
    return -1;
  bool proxied = false;
  for (size_t i = 0; i < o->n_ports; i++)
    proxied |= net_port_needs_proxy(&o->ports[i]);
  if (o->port_handler == PORT_HANDLER_ROOTLESSKIT && o->n_ports > 0)
    log_debug("port_handler=rootlesskit: ctool forwards ports with the slirp4netns handler, which keeps source addresses");

  int exit_pipe[2], ready_pipe[2];
  if (pipe2(exit_pipe, O_CLOEXEC) < 0)
    return ctool_error_set(err, errno, "pipe");
  if (pipe2(ready_pipe, O_CLOEXEC) < 0)
    {
      close(exit_pipe[0]);
      close(exit_pipe[1]);
      return ctool_error_set(err, errno, "pipe");
    }
  /* The socket's path must fit in sun_path (108 bytes), and RUNDIR may be
   * long: slirp4netns binds a name relative to RUNDIR (its working
   * directory), and we connect through /proc/self/fd/N/NAME. */
  cleanup_free char *api = xasprintf("%s/" SLIRP_API_NAME, rundir);
  cleanup_free char *log_path = xasprintf("%s/slirp4netns.log", rundir);
  unlink(api);
  char exit_arg[32], ready_arg[32], mtu_arg[32], pid_arg[16];
  snprintf(exit_arg, sizeof exit_arg, "--exit-fd=%d", exit_pipe[0]);
  snprintf(ready_arg, sizeof ready_arg, "--ready-fd=%d", ready_pipe[1]);
  snprintf(mtu_arg, sizeof mtu_arg, "--mtu=%u", o->mtu ? o->mtu : SLIRP_DEFAULT_MTU);
  snprintf(pid_arg, sizeof pid_arg, "%d", (int) pid);
  const char *api_arg = "--api-socket=" SLIRP_API_NAME;
  cleanup_free char *cidr_arg = o->cidr ? xasprintf("--cidr=%s", o->cidr) : NULL;
  cleanup_free char *outbound_arg = o->outbound_addr ? xasprintf("--outbound-addr=%s", o->outbound_addr) : NULL;

  const char *argv[20];
  size_t n = 0;
  argv[n++] = "slirp4netns";
  argv[n++] = "--configure";
  if (f.mtu)
    argv[n++] = mtu_arg;
  if (!o->allow_host_loopback && f.disable_host_loopback)
    argv[n++] = "--disable-host-loopback";
  if (f.sandbox)
    argv[n++] = "--enable-sandbox";
  if (f.seccomp)
    argv[n++] = "--enable-seccomp";
  if (o->enable_ipv6)
    argv[n++] = "--enable-ipv6";
  if (cidr_arg)
    argv[n++] = cidr_arg;
  if (outbound_arg)
    argv[n++] = outbound_arg;
  argv[n++] = exit_arg;
  argv[n++] = ready_arg;
  argv[n++] = api_arg;
  argv[n++] = pid_arg;
  argv[n++] = "tap0";
  argv[n] = NULL;

  int keep[2] = { exit_pipe[0], ready_pipe[1] };
  pid_t helper = net_spawn_helper((char *const *) argv, keep, 2, rundir, log_path, err);
  close(ready_pipe[1]);
  if (helper < 0)
    {
      close(exit_pipe[0]);
      close(exit_pipe[1]);
      close(ready_pipe[0]);
      return -1;
    }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int r = wait_ready(ready_pipe[0], helper, log_path, err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  log_debug("slirp4netns: ready after %.2f ms", (double) (t1.tv_sec - t0.tv_sec) * 1e3 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e6);
  close(ready_pipe[0]);
  char guest[16];
  cidr_addr(o, 100, guest, sizeof guest);
  cleanup_close int dir_fd = r == 0 && o->n_ports > 0 ? open(rundir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  if (r == 0 && o->n_ports > 0 && dir_fd < 0)
    r = ctool_error_set(err, errno, "open %s", rundir);
  cleanup_free char *connect_path = xasprintf("/proc/self/fd/%d/" SLIRP_API_NAME, dir_fd);
  for (size_t i = 0; r == 0 && i < o->n_ports; i++)
    if (!net_port_needs_proxy(&o->ports[i]))
      r = slirp_add_port(connect_path, &o->ports[i], guest, err);
  /* IPv6 host addresses: a relay of ctool's own, ending with slirp4netns. */
  pid_t proxy = r == 0 && proxied ? net_proxy_start(o->ports, o->n_ports, pid, guest, exit_pipe[0], err) : 0;
  close(exit_pipe[0]);
  if (r < 0 || proxy < 0)
    {
      close(exit_pipe[1]);
      net_kill_helper(helper);
      unlink(api);
      return -1;
    }
  h->mode = NET_SLIRP4NETNS;
  h->helper_pid = helper;
  h->proxy_pid = proxy;
  h->exit_fd = exit_pipe[1];
  h->api_socket = steal_pointer(&api);
  h->dns = xstrdup(slirp_dns(o));
  h->host_gateway = xstrdup(slirp_host_gateway(o));
  h->ctr_addr = xstrdup(guest);
  return 0;
}

const struct net_backend net_backend_slirp4netns = {
  .name = "slirp4netns",
  .dns = slirp_dns,
  .host_gateway = slirp_host_gateway,
  .start = slirp_start,
};
