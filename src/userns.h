/* User namespaces: the user's subordinate ID ranges, newuidmap/newgidmap,
 * and running a function as root inside a fresh user namespace. */
#ifndef CTOOL_USERNS_H
#define CTOOL_USERNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct idmap_range {
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

#define IDMAP_MAX 8

struct idmap {
  struct idmap_range uid[IDMAP_MAX];
  size_t n_uid;
  struct idmap_range gid[IDMAP_MAX];
  size_t n_gid;
  bool single;          /* no subordinate ranges: only the user is mapped */
  char source[64];      /* "/etc/subuid", "libsubid" */
};

/* Container 0 -> the user, 1..N -> the subordinate ranges from /etc/subuid
 * and /etc/subgid (by name and by UID; libsubid when built with it). Read
 * fresh every call, never cached. No ranges: a single-ID map and a
 * warning that says how to add ranges. KEEP_ID maps the user to its own
 * UID inside (--userns=keep-id). */
int idmap_for_user(struct idmap *out, bool keep_id, ctool_error_t *err);
/* Write PID's maps with newuidmap/newgidmap (or directly for a single-ID
 * map, after "deny" in setgroups). */
int userns_write_maps(pid_t pid, const struct idmap *map, ctool_error_t *err);

/* Run FN(ARG) in a child that is root in a new user namespace (and a new
 * mount namespace) with MAP. Returns the child's exit status (0 when FN
 * returned 0); an error FN reports reaches the caller as the error text. */
int userns_run(const struct idmap *map, int (*fn)(void *arg, ctool_error_t *err), void *arg,
               ctool_error_t *err);

#endif
