/* User namespaces: the user's subordinate ID ranges, newuidmap/newgidmap,
 * and running a function as root inside a fresh user namespace. */
#ifndef CTOOL_USERNS_H
#define CTOOL_USERNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "subprocess.h"

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

/* One line of /etc/subuid or /etc/subgid: OWNER is a user name or a
 * numeric UID. */
struct subid_entry {
  char *owner;
  uint32_t start;
  uint32_t count;
};

#define SUBID_MAX 16

/* The ranges one user owns, in file order, and where they came from. */
struct subid_ranges {
  struct {
    uint32_t start;
    uint32_t count;
  } r[SUBID_MAX];
  size_t n;
  char source[64];      /* "/etc/subuid", "libsubid (/etc/subuid)", "libsubid (nss: sss)"; "" when none */
};

enum subid_kind { SUBID_UID, SUBID_GID };

/* /etc/subuid or /etc/subgid; $CTOOL_SUBUID_FILE / $CTOOL_SUBGID_FILE
 * override them (tests; libsubid is then not asked). */
const char *subid_file_path(enum subid_kind kind);
/* Every well-formed entry of PATH (a missing file has none); comments,
 * blank and malformed lines are skipped, the latter with a debug log. */
int subid_file_read_all(const char *path, struct subid_entry **entries, size_t *n, ctool_error_t *err);
void subid_entries_free(struct subid_entry *entries, size_t n);
/* OWNER (a line's first field) names the user NAME (may be NULL) or UID. */
bool subid_owner_matches(const char *owner, const char *name, uid_t uid);
/* The ranges of the user NAME (may be NULL) or UID in PATH. */
int subid_ranges_from_file(const char *path, const char *name, uid_t uid, struct subid_ranges *out,
                           ctool_error_t *err);
/* /etc/nsswitch.conf; $CTOOL_NSSWITCH_FILE overrides it (tests). */
const char *nsswitch_file_path(void);
/* The module on the "subid:" line of the nsswitch.conf at PATH ("files"
 * for an empty one; malloc'd), or NULL when there is no such line or no
 * such file. */
char *nsswitch_subid_module(const char *path);
/* The current user's ranges, by name and by UID. When nsswitch.conf has a
 * subid: line and ctool was built with libsubid, libsubid is loaded
 * (dlopen) and asked first, as it asks that module; else, or when it knows
 * none, the file is read directly. Read fresh every call. */
int subid_ranges_for_user(enum subid_kind kind, struct subid_ranges *out, ctool_error_t *err);
/* The exact command an admin runs to give USER 65536 subordinate UIDs and
 * GIDs that overlap nobody's: "sudo usermod --add-subuids 100000-165535
 * --add-subgids 100000-165535 alice". Malloc'd. */
char *subid_fix_command(const char *user);
/* The current user's login name (passwd), or its UID as text. Malloc'd. */
char *current_user_name(void);

/* Build the map from ranges (pure; idmap_for_user's core). No ranges on
 * either side: a single-ID map (out->single). */
void idmap_build(const struct subid_ranges *uids, const struct subid_ranges *gids, uid_t uid, gid_t gid,
                 bool keep_id, struct idmap *out);
/* The container ID HOST_ID appears as in MAP's UID (or GID) side, or -1. */
int64_t idmap_to_container(const struct idmap *map, bool gid, uint32_t host_id);

/* Container 0 -> the user, 1..N -> the subordinate ranges from /etc/subuid
 * and /etc/subgid (by name and by UID; libsubid as subid_ranges_for_user
 * says). Read
 * fresh every call, never cached. No ranges: a single-ID map and a
 * warning that says how to add ranges. KEEP_ID maps the user to its own
 * UID inside (--userns=keep-id). */
int idmap_for_user(struct idmap *out, bool keep_id, ctool_error_t *err);
/* Write PID's maps with newuidmap/newgidmap (or directly for a single-ID
 * map, after "deny" in setgroups). */
int userns_write_maps(pid_t pid, const struct idmap *map, ctool_error_t *err);

/* userns_write_maps in two halves, so that the caller can work while the
 * setuid helpers run: begin starts newuidmap/newgidmap (or writes a
 * single-ID side at once); end waits for them and says whether the maps
 * are written. Every successful begin needs its end; a failed begin has
 * reaped what it started. */
struct userns_map_helper {
  const char *name;      /* "newuidmap" */
  struct spawn sp;
  bool started;
};

struct userns_maps {
  pid_t pid;
  struct userns_map_helper uid, gid;
};

int userns_maps_begin(pid_t pid, const struct idmap *map, struct userns_maps *m, ctool_error_t *err);
int userns_maps_end(struct userns_maps *m, ctool_error_t *err);

/* Run FN(ARG) in a child that is root in a new user namespace (and a new
 * mount namespace) with MAP. Returns the child's exit status (0 when FN
 * returned 0); an error FN reports reaches the caller as the error text. */
int userns_run(const struct idmap *map, int (*fn)(void *arg, ctool_error_t *err), void *arg,
               ctool_error_t *err);
/* The same in the existing user namespace USERNS_FD (mapped as MAP: the
 * pause process's, pause.h) and a new mount namespace; -1: as userns_run. */
int userns_run_in(int userns_fd, const struct idmap *map, int (*fn)(void *arg, ctool_error_t *err), void *arg,
                  ctool_error_t *err);

#endif
