#include "run-opts.h"
#include "spec.h"
#include "ctr-cgroup.h"
#include "signals.h"
#include "util.h"

#include "libnet/network.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>

#define CREATE_OPTIONS                                                                                     \
  { "name", 0, OPT_STRING, "NAME", "Give the container a name", COMPLETE_NONE },                          \
  { "rm", 0, OPT_BOOL, NULL, "Remove the container when it exits", NULL },                                 \
  { "interactive", 'i', OPT_BOOL, NULL, "Keep stdin open", NULL },                                         \
  { "tty", 't', OPT_BOOL, NULL, "Allocate a pseudo-terminal", NULL },                                      \
  { "env", 'e', OPT_LIST, "VAR", "Set an environment variable: KEY=VALUE (KEY alone: take it from the host)",   \
    COMPLETE_NONE },                                                                                       \
  { "env-file", 0, OPT_LIST, "FILE", "Read environment variables from FILE", COMPLETE_FILES },             \
  { "workdir", 'w', OPT_STRING, "DIR", "Working directory inside the container", COMPLETE_NONE },           \
  { "user", 'u', OPT_STRING, "USER", "Run as USER[:GROUP] (names or IDs)", COMPLETE_NONE },        \
  { "entrypoint", 0, OPT_STRING, "CMD", "Override the image's entrypoint (a string or a JSON array)",      \
    COMPLETE_NONE },                                                                                       \
  { "hostname", 0, OPT_STRING, "NAME", "The container's hostname", COMPLETE_NONE },                        \
  { "volume", 'v', OPT_LIST, "VOLUME", "Mount SRC:DST[:OPTS], a host path or a named volume", COMPLETE_FILES }, \
  { "tmpfs", 0, OPT_LIST, "MOUNT", "Mount a tmpfs: DIR[:OPTS]", COMPLETE_NONE },                          \
  { "read-only", 0, OPT_BOOL, NULL, "Make the root filesystem read-only", NULL },                          \
  { "stop-signal", 0, OPT_STRING, "SIGNAL", "Signal that stops the container (default TERM)",              \
    COMPLETE_SIGNALS },                                                                                    \
  { "stop-timeout", 0, OPT_STRING, "SECONDS", "Seconds to wait before killing the container (default 10)", \
    COMPLETE_NONE },                                                                                       \
  { "label", 'l', OPT_LIST, "LABEL", "Set a label KEY=VALUE on the container", COMPLETE_NONE },                   \
  { "pull", 0, OPT_STRING, "POLICY", "Pull the image: missing, always, never", "missing|always|never" },     \
  { "network", 0, OPT_STRING, "MODE",                                                                     \
    "Network: slirp4netns[:OPTIONS] (default), pasta[:ARGS], none, host, ns:PATH",                         \
    "slirp4netns|slirp4netns:allow_host_loopback=true|pasta|none|host|private" },                       \
  { "publish", 'p', OPT_LIST, "PORTS", "Publish a container port: [[IP:][HOSTPORT]:]PORT[/tcp|/udp]",       \
    COMPLETE_NONE },                                                                                       \
  { "publish-all", 'P', OPT_BOOL, NULL, "Publish every port the image exposes on a free host port", NULL },   \
  { "dns", 0, OPT_LIST, "IP", "A DNS server for the container's /etc/resolv.conf", COMPLETE_NONE },         \
  { "dns-search", 0, OPT_LIST, "DOMAIN", "A DNS search domain for /etc/resolv.conf", COMPLETE_NONE },        \
  { "dns-option", 0, OPT_LIST, "OPT", "A resolver option for /etc/resolv.conf (e.g. ndots:2)", COMPLETE_NONE }, \
  { "add-host", 0, OPT_LIST, "ENTRY", "Add HOST:IP to the container's /etc/hosts", COMPLETE_NONE },             \
  { "no-hosts", 0, OPT_BOOL, NULL, "Do not create /etc/hosts for the container (keep the image's)", NULL }, \
  { "init", 0, OPT_BOOL, NULL, "Run a minimal init as PID 1 that reaps zombies and forwards signals", NULL }, \
  { "userns", 0, OPT_STRING, "MODE", "User namespace mode: keep-id maps you to your own UID inside",       \
    "keep-id" },                                                                                           \
  { "cap-add", 0, OPT_LIST, "CAP", "Add a capability (ALL for every one)", COMPLETE_NONE },                \
  { "cap-drop", 0, OPT_LIST, "CAP", "Drop a capability (ALL for every one)", COMPLETE_NONE },              \
  { "privileged", 0, OPT_BOOL, NULL, "Every capability, no seccomp, no masked paths", NULL },              \
  { "security-opt", 0, OPT_LIST, "OPT", "seccomp=unconfined|FILE, no-new-privileges, unmask=PATH, mask=PATH", \
    COMPLETE_NONE },                                                                                       \
  { "ulimit", 0, OPT_LIST, "LIMIT", "Set a resource limit TYPE=SOFT[:HARD], e.g. nofile=1024:2048", COMPLETE_NONE }, \
  CGROUP_LIMIT_OPTIONS,                                                                                    \
  { "cgroup-manager", 0, OPT_STRING, "MANAGER", "Cgroup manager: systemd or cgroupfs", "systemd|cgroupfs" }, \
  { "cgroups", 0, OPT_STRING, "MODE", "enabled (default) or disabled: run without a cgroup of its own",   \
    "enabled|disabled" }

const struct cli_option run_create_options[] = {
  CREATE_OPTIONS,
  { NULL },
};

/* run has three more: -d, --detach-keys and --sig-proxy. */
const struct cli_option run_only_options[] = {
  { "detach", 'd', OPT_BOOL, NULL, "Run in the background and print the container ID", NULL },
  { "detach-keys", 0, OPT_STRING, "KEYS",
    "With -it: keys that detach and leave the container running (default ctrl-p,ctrl-q; \"\": none)",
    COMPLETE_NONE },
  { "sig-proxy", 0, OPT_BOOL, NULL, "Forward signals to the container (default true)", NULL },
  CREATE_OPTIONS,
  { NULL },
};

/* --add-host HOST:IP (the IP may be IPv6, so split at the first ':'). */
static int
check_add_host(const char *spec, ctool_error_t *err)
{
  const char *colon = strchr(spec, ':');
  unsigned char buf[sizeof(struct in6_addr)];
  if (colon == NULL || colon == spec
      || (inet_pton(AF_INET, colon + 1, buf) != 1 && inet_pton(AF_INET6, colon + 1, buf) != 1
          && strcmp(colon + 1, "host-gateway") != 0))
    return ctool_error_set(err, 0, "invalid --add-host '%s': use HOST:IP, e.g. db:10.0.0.5", spec);
  return 0;
}

/* --network, -p, -P, --dns*, --add-host, --no-hosts: checked here, used
 * by create (files, ports) and start (the helper). */
static int
parse_network_opts(const struct cli_args *args, const struct ctool_config *cfg, struct run_opts *o,
                   ctool_error_t *err)
{
  o->network = cli_str(args, "network");
  o->network_origin = "--network";
  if (o->network == NULL && cfg)
    {
      o->network = config_str(cfg, CONFIG_NETNS);
      o->network_origin = config_origin(cfg, CONFIG_NETNS);
    }
  if (o->network == NULL || strcmp(o->network, "private") == 0)
    o->network = "slirp4netns";
  struct net_options net;
  if (net_options_parse(o->network, &net, err) < 0)
    return -1;
  bool publishes = false;
  o->publish = cli_list(args, "publish");
  o->publish_all = cli_flag(args, "publish-all");
  for (size_t i = 0; o->publish && o->publish[i]; i++)
    {
      publishes = true;
      if (net_ports_parse(o->publish[i], &net.ports, &net.n_ports, err) < 0)
        {
          net_options_clear(&net);
          return -1;
        }
    }
  enum net_mode mode = net.mode;
  net_options_clear(&net);
  if ((publishes || o->publish_all) && mode != NET_SLIRP4NETNS && mode != NET_PASTA)
    {
      if (strcmp(o->network_origin, "--network") != 0)
        return ctool_error_set(err, 0, "cannot publish ports with the network mode %s (containers.netns in %s): "
                                       "use --network slirp4netns or pasta",
                               o->network, o->network_origin);
      return ctool_error_set(err, 0, "cannot publish ports with --network %s: use --network slirp4netns or pasta",
                             o->network);
    }
  o->dns = cli_list(args, "dns");
  for (size_t i = 0; o->dns && o->dns[i]; i++)
    {
      unsigned char buf[sizeof(struct in6_addr)];
      if (inet_pton(AF_INET, o->dns[i], buf) != 1 && inet_pton(AF_INET6, o->dns[i], buf) != 1)
        return ctool_error_set(err, 0, "invalid --dns '%s': give an IP address", o->dns[i]);
    }
  o->dns_search = cli_list(args, "dns-search");
  o->dns_options = cli_list(args, "dns-option");
  o->add_hosts = cli_list(args, "add-host");
  for (size_t i = 0; o->add_hosts && o->add_hosts[i]; i++)
    if (check_add_host(o->add_hosts[i], err) < 0)
      return -1;
  o->no_hosts = cli_flag(args, "no-hosts");
  if (o->no_hosts && o->add_hosts && o->add_hosts[0])
    return ctool_error_set(err, 0, "--no-hosts and --add-host cannot be used together");
  return 0;
}

static int
parse_stop_timeout(const char *s, int *out, ctool_error_t *err)
{
  unsigned long long n;
  if (!str_to_u64(s, &n) || n > INT_MAX)
    return ctool_error_set(err, 0, "invalid --stop-timeout '%s': give a number of seconds", s);
  *out = (int) n;
  return 0;
}

/* ctool.conf's containers.default_ulimits, checked as --ulimit is (the
 * hard limit may not exceed the user's). */
static int
parse_default_ulimits(const struct ctool_config *cfg, struct run_opts *o, ctool_error_t *err)
{
  o->default_ulimits = cfg ? config_list(cfg, CONFIG_DEFAULT_ULIMITS) : NULL;
  o->default_ulimits_origin = cfg ? config_origin(cfg, CONFIG_DEFAULT_ULIMITS) : NULL;
  for (char *const *u = o->default_ulimits; u && *u; u++)
    {
      json_object *rlimit = NULL;
      if (ulimit_parse(*u, &rlimit, err) < 0)
        return ctool_error_prefix(err, "%s: containers.default_ulimits", o->default_ulimits_origin);
      json_object_put(rlimit);
    }
  return 0;
}

/* --pids-limit, else ctool.conf's containers.pids_limit (0 or -1: no
 * limit, recorded as 0); nothing for a container without a cgroup. */
static void
choose_pids_limit(const struct ctool_config *cfg, struct run_opts *o)
{
  if (o->limits.pids_limit >= 0)
    o->pids_limit_origin = "--pids-limit";
  else if (cfg && !(o->cgroup_manager && strcmp(o->cgroup_manager, "disabled") == 0))
    {
      int64_t v = config_int(cfg, CONFIG_PIDS_LIMIT);
      o->limits.pids_limit = v > 0 ? v : 0;
      o->pids_limit_origin = config_origin(cfg, CONFIG_PIDS_LIMIT);
    }
}

int
run_opts_parse(const struct cli_args *args, bool is_run, const struct ctool_config *cfg, struct run_opts *o,
               ctool_error_t *err)
{
  memset(o, 0, sizeof *o);
  o->image = cli_arg(args, 0);
  o->command = cli_argv(args) + 1;
  o->name = cli_str(args, "name");
  o->rm = cli_flag(args, "rm");
  o->detach = is_run && cli_flag(args, "detach");
  o->sig_proxy = is_run ? (!cli_given(args, "sig-proxy") || cli_flag(args, "sig-proxy")) : true;
  o->detach_keys = is_run && cli_given(args, "detach-keys") ? cli_str(args, "detach-keys") : NULL;
  o->interactive = cli_flag(args, "interactive");
  o->tty = cli_flag(args, "tty");
  o->env = cli_list(args, "env");
  o->env_files = cli_list(args, "env-file");
  o->workdir = cli_str(args, "workdir");
  o->user = cli_str(args, "user");
  o->entrypoint = cli_str(args, "entrypoint");
  o->hostname = cli_str(args, "hostname");
  o->volumes = cli_list(args, "volume");
  o->tmpfs = cli_list(args, "tmpfs");
  o->read_only = cli_flag(args, "read-only");
  o->labels = cli_list(args, "label");
  o->init = cli_flag(args, "init");
  o->cap_add = cli_list(args, "cap-add");
  o->cap_drop = cli_list(args, "cap-drop");
  o->privileged = cli_flag(args, "privileged");
  o->security_opts = cli_list(args, "security-opt");
  o->ulimits = cli_list(args, "ulimit");
  o->stop_timeout = -1;

  /* Values that need no image are checked now, before any pull. */
  for (char *const *u = o->ulimits; *u; u++)
    {
      json_object *rlimit = NULL;
      if (ulimit_parse(*u, &rlimit, err) < 0)
        return -1;
      json_object_put(rlimit);
    }
  if (parse_default_ulimits(cfg, o, err) < 0)
    return -1;
  for (char *const *v = o->volumes; *v; v++)
    {
      /* The store root only names named volumes' paths: none is made here. */
      struct volume_spec spec;
      if (volume_parse(*v, "", &spec, err) < 0)
        return -1;
      volume_spec_clear(&spec);
    }
  for (char *const *e = o->env; *e; e++)
    if ((*e)[0] == '=' || (*e)[0] == '\0')
      return ctool_error_set(err, 0, "invalid environment variable '%s': the name before '=' is empty", *e);

  const char *sig = cli_str(args, "stop-signal");
  if (sig && (o->stop_signal = signal_parse(sig)) < 0)
    return ctool_error_set(err, 0, "invalid --stop-signal '%s': give a signal name or number, e.g. TERM", sig);
  const char *timeout = cli_str(args, "stop-timeout");
  if (timeout && parse_stop_timeout(timeout, &o->stop_timeout, err) < 0)
    return -1;

  o->pull = cli_str(args, "pull");
  if (o->pull == NULL || strcmp(o->pull, "newer") == 0)
    o->pull = "missing";
  if (strcmp(o->pull, "missing") != 0 && strcmp(o->pull, "always") != 0 && strcmp(o->pull, "never") != 0)
    return ctool_error_set(err, 0, "invalid --pull '%s': use missing, always or never", o->pull);

  if (parse_network_opts(args, cfg, o, err) < 0)
    return -1;

  const char *userns = cli_str(args, "userns");
  if (userns && strcmp(userns, "keep-id") != 0 && strcmp(userns, "") != 0 && strcmp(userns, "private") != 0)
    return ctool_error_set(err, 0, "invalid --userns '%s': use keep-id", userns);
  o->keep_id = userns && strcmp(userns, "keep-id") == 0;

  cgroup_limits_init(&o->limits);
  if (ctr_cgroup_limits_from_args(args, &o->limits, err) < 0)
    return -1;
  const char *cgroups = cli_str(args, "cgroups");
  if (cgroups && strcmp(cgroups, "enabled") != 0 && strcmp(cgroups, "disabled") != 0)
    return ctool_error_set(err, 0, "invalid --cgroups '%s': use enabled or disabled", cgroups);
  o->cgroup_manager = cli_str(args, "cgroup-manager");
  enum cgroup_manager_kind kind;
  if (o->cgroup_manager && cgroup_manager_parse(o->cgroup_manager, &kind, err) < 0)
    return -1;
  if (cgroups && strcmp(cgroups, "disabled") == 0)
    {
      if (ctr_cgroup_limits_given(&o->limits))
        return ctool_error_set(err, 0, "--cgroups=disabled cannot be combined with resource limits such as "
                                       "--memory or --cpus: a container without a cgroup has none");
      o->cgroup_manager = "disabled";
    }
  choose_pids_limit(cfg, o);
  return 0;
}
