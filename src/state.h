/* A container's state: what runs now (RUNROOT, gone after a reboot) and
 * how its last run ended (ROOT, kept).
 *
 *   RUNROOT/containers/ID/state.json  status, pid + its start time, monitor
 *                                     pid + start time, started_at; written
 *                                     by ctool under the container lock
 *   ROOT/containers/ID/exit           "STARTED_NS FINISHED_NS EXIT_CODE\n":
 *                                     written when a run starts (finished 0,
 *                                     code -1) and when it ends (by the
 *                                     monitor or the foreground ctool)
 *
 * The status shown to users is derived, never trusted blindly: "running"
 * in state.json counts only while the process with that PID still has the
 * start time recorded (field 22 of /proc/PID/stat), so a reused PID or a
 * reboot reads as "exited". */
#ifndef CTOOL_STATE_H
#define CTOOL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "exit-record.h"

enum ctr_status {
  CTR_CREATED,
  CTR_RUNNING,
  CTR_STOPPING,
  CTR_PAUSED,
  CTR_EXITED,
};

struct ctr_state {
  enum ctr_status status;
  pid_t pid;                     /* container init as the host sees it; 0 when none */
  unsigned long long pid_start;  /* its start time in clock ticks after boot */
  pid_t monitor_pid;             /* the process waiting for it; 0 when none */
  unsigned long long monitor_start;
  int64_t started_at;            /* ns since the epoch; 0 = never started */
  int64_t finished_at;           /* ns since the epoch; 0 = not finished */
  int exit_code;                 /* -1 when unknown */
  bool oom_killed;
};

const char *ctr_status_name(enum ctr_status s);
/* "created" etc. back to the enum; -1 for anything else. */
int ctr_status_parse(const char *name);

/* Start time (field 22 of /proc/PID/stat) of PID; -1 with errno when it
 * does not exist. */
int proc_start_time(pid_t pid, unsigned long long *out);
/* True when PID exists and started at START (so it is the same process). */
bool proc_same(pid_t pid, unsigned long long start);
/* A pidfd of PID when it is the process that started at START (opened
 * first, checked second: it then stays that process's); -1 with errno
 * (ESRCH when it is gone or another process). */
int pidfd_open_same(pid_t pid, unsigned long long start);
/* True when the process behind the pidfd FD exited within MS
 * milliseconds (-1: however long it takes). */
bool pidfd_wait(int fd, int ms);

/* RFC 3339 with nanoseconds in local time: "2024-05-01T12:00:00.123456789+02:00";
 * "0001-01-01T00:00:00Z" for 0, as Go prints its zero time. */
void format_time_rfc3339(char *buf, size_t len, int64_t ns);

/* Read the state of container ID: state.json from RUNDIR (the container's
 * runtime directory) and the exit record from DIR (its persistent
 * directory), then check liveness. A missing state.json means "created"
 * (never started) or "exited" (started before the runtime directory was
 * lost, e.g. a reboot). */
int state_load(const char *dir, const char *rundir, struct ctr_state *st, ctool_error_t *err);
/* Write state.json into RUNDIR (created when missing) atomically. */
int state_save(const char *rundir, const struct ctr_state *st, ctool_error_t *err);

#endif
