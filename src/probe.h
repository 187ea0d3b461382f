/* Host probes: what this machine and this user offer rootless containers
 * (user namespaces, subordinate IDs, newuidmap, overlay, cgroups, network
 * helpers, devices, the runtime directory), as facts for `ctool info` and
 * as problems, each with its cause, the file involved and the exact
 * command that fixes it, for `ctool info` and `ctool system check`.
 *
 * Every check is cheap: files, stat, access, one fork to try a user
 * namespace; the only program run is `slirp4netns --version`. Nothing is
 * cached except the overlay mode (see overlay.h). */
#ifndef CTOOL_PROBE_H
#define CTOOL_PROBE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "userns.h"

enum probe_severity {
  PROBE_WARNING, /* a feature is missing (limits, networking, speed) */
  PROBE_ERROR,   /* containers cannot run as they should */
};

struct probe_problem {
  enum probe_severity severity;
  char *id;     /* stable key: "userns", "subuid", "newuidmap", "tun", ... */
  char *cause;  /* one sentence: what is wrong and what it breaks */
  char *file;   /* the file involved */
  char *fix;    /* the exact command that fixes it */
};

struct probe {
  /* Input. */
  const char *root;      /* the store (--root) */
  const char *runroot;   /* runtime state (--runroot) */
  const char *overlay_wanted; /* ctool.conf's storage.overlay_mode, NULL: auto */
  const char *overlay_origin; /* where it was set ("FILE:LINE") */

  /* Facts: the "host" and "store" objects of `ctool info`. */
  json_object *host;
  json_object *store;

  struct probe_problem *problems;
  size_t n_problems;

  /* Results later checks build on. */
  char *user;
  bool userns_works;
  struct subid_ranges subuid, subgid;
};

/* One check: fills its facts, adds its problems. */
struct probe_check {
  const char *name;      /* "userns", "subids", ... */
  void (*run)(struct probe *p);
};
/* All checks, in the order info shows them; NULL-ended. */
extern const struct probe_check probe_checks[];

void probe_init(struct probe *p, const char *root, const char *runroot);
/* The overlay mode ctool.conf forces (storage.overlay_mode; "auto" or
 * NULL: none) and its origin: the overlay check tells whether it works. */
void probe_want_overlay(struct probe *p, const char *mode, const char *origin);
/* Run every check of probe_checks. */
void probe_run_all(struct probe *p);
void probe_free(struct probe *p);

void probe_add_problem(struct probe *p, enum probe_severity sev, const char *id, const char *file,
                       const char *fix, const char *cause_fmt, ...) __attribute__((format(printf, 6, 7)));
/* The problems as a JSON array of {severity, id, cause, file, fix}. */
json_object *probe_problems_json(const struct probe *p);

/* The individual checks (also reachable through probe_checks). */
void probe_host_basics(struct probe *p);
void probe_userns(struct probe *p);
void probe_subids(struct probe *p);
void probe_idmap_helpers(struct probe *p);
void probe_overlay(struct probe *p);
void probe_cgroups(struct probe *p);
void probe_network(struct probe *p);
void probe_devices(struct probe *p);
void probe_runtime_dir(struct probe *p);
void probe_linger(struct probe *p);
void probe_store(struct probe *p);

/* Parse a file in /etc/os-release syntax for KEY (quotes removed); NULL
 * when absent. Malloc'd. */
char *os_release_value(const char *path, const char *key);

#endif
