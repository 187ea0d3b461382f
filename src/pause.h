/* The per-user pause process: one long-lived user namespace that the
 * containers of a runroot join, so that newuidmap and newgidmap (setuid
 * programs, ~1.7 ms a start) run once instead of for every container.
 * Podman does the same with its pause process.
 *
 *   RUNROOT/pause.pid    "PID START\n": the ctool-pause process and its
 *                        start time (clock ticks after boot), so that a
 *                        reused PID is never taken for it
 *   RUNROOT/pause.lock   flock held while one is checked and started
 *
 * The namespace is trusted only while the process is the one recorded,
 * the namespace belongs to this user, and its uid_map and gid_map are the
 * map asked for: a changed /etc/subuid or /etc/subgid gives a new pause
 * process (the old one is ended) at the next start, never a stale map.
 * Containers hold their namespace themselves: the pause process may end
 * at any time (system migrate, a logout that kills the session) without
 * harm to them. */
#ifndef CTOOL_PAUSE_H
#define CTOOL_PAUSE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "userns.h"

#define PAUSE_PID_FILE "pause.pid"
#define PAUSE_LOCK_FILE "pause.lock"

/* An fd (O_CLOEXEC) of the user namespace of RUNROOT's pause process
 * whose ID maps are MAP, starting one (with newuidmap/newgidmap) when
 * there is none or its maps differ. -1 with ERR on failure: the errors of
 * userns_write_maps, or ctool-pause missing. */
int pause_userns_open(const char *runroot, const struct idmap *map, ctool_error_t *err);

/* The same, but only when one runs already (nothing is started): the
 * fd, or -1. For the commands that may use the namespace but should
 * leave no process behind (unshare). */
int pause_userns_open_running(const char *runroot, const struct idmap *map);

/* The PID of RUNROOT's pause process, or 0 when none runs. */
pid_t pause_pid(const char *runroot);

/* End RUNROOT's pause process (SIGKILL) and remove its PID file; the next
 * container start makes a new one. *STOPPED (may be NULL) says whether
 * one ran. */
int pause_stop(const char *runroot, bool *stopped, ctool_error_t *err);

#endif
