/* The options of `ctool run` and `ctool create`, parsed once into plain
 * values before anything is touched. */
#ifndef CTOOL_RUN_OPTS_H
#define CTOOL_RUN_OPTS_H

#include <stdbool.h>

#include "cgroup.h"
#include "cli.h"
#include "ctool-conf.h"
#include "error.h"

struct run_opts {
  const char *image;          /* the IMAGE positional */
  char *const *command;       /* positionals after IMAGE (may be empty) */
  const char *name;
  bool rm, detach, interactive, tty, sig_proxy;
  const char *detach_keys;    /* run --detach-keys; NULL: the default */
  char *const *env;           /* -e KEY=VALUE, KEY, KEY* */
  char *const *env_files;
  const char *workdir;
  const char *user;
  const char *entrypoint;     /* NULL: the image's; "" clears it */
  const char *hostname;
  char *const *volumes;
  char *const *tmpfs;
  bool read_only;
  int stop_signal;            /* 0: the image's or SIGTERM */
  int stop_timeout;           /* -1: default 10 */
  char *const *labels;
  const char *pull;           /* missing, always, never (newer is taken as missing) */
  const char *network;        /* --network as given (checked); else ctool.conf's containers.netns;
                                 default "slirp4netns" */
  const char *network_origin; /* "--network", or where containers.netns came from */
  char *const *publish;       /* -p, checked */
  bool publish_all;           /* -P */
  char *const *dns, *const *dns_search, *const *dns_options;
  char *const *add_hosts;     /* HOST:IP, checked */
  bool no_hosts;
  bool init;
  bool keep_id;               /* --userns=keep-id */
  char *const *cap_add, *const *cap_drop;
  bool privileged;
  char *const *security_opts;
  char *const *ulimits;
  char *const *default_ulimits; /* ctool.conf's containers.default_ulimits (checked); --ulimit
                                   replaces one of the same type */
  const char *default_ulimits_origin;
  struct cgroup_limits limits; /* --memory ... (cpuset_cpus points into ARGS); pids_limit from
                                  ctool.conf's containers.pids_limit when --pids-limit is not given */
  const char *pids_limit_origin; /* "--pids-limit", where pids_limit came from, or NULL: none recorded */
  const char *cgroup_manager;  /* --cgroup-manager, "disabled" for --cgroups=disabled; NULL: default */
};

/* The options of create; run has these plus -d, --detach-keys and --sig-proxy. */
extern const struct cli_option run_create_options[];
extern const struct cli_option run_only_options[];

/* Fill OUT from parsed arguments (pointers into ARGS and CFG: keep both
 * alive), with CFG's defaults (ctool.conf: network, pids limit, ulimits)
 * for what the flags leave out; CFG may be NULL (built-in defaults).
 * Checks values that need no image: signal names, numbers, --pull,
 * --network, --userns. */
int run_opts_parse(const struct cli_args *args, bool is_run, const struct ctool_config *cfg, struct run_opts *out,
                   ctool_error_t *err);

#endif
