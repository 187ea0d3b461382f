/* Starting a detached container: ctool forks, the child calls setsid()
 * and forks again (so the monitor survives ctool and the terminal), the
 * grandchild starts the container with sandbox_start() and then execs the
 * small ctool-monitor binary, which keeps the container as its child,
 * writes its output to the log, records the exit and cleans up (--rm).
 * The grandchild reports to ctool over a pipe: the container's PID and
 * its own, or the error (with its exit code: 125, 126, 127). */
#ifndef CTOOL_MONITOR_H
#define CTOOL_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Start the process to watch with the given stdio (-1: none given);
 * with a terminal, *console is the pty master. */
typedef int (*monitor_start_fn)(void *data, int in, int out, int errfd, pid_t *pid, int *console,
                                ctool_error_t *err);

struct monitor_params {
  monitor_start_fn start;   /* sandbox_start or sandbox_exec, wrapped */
  void *start_data;
  bool tty;                 /* the spec asks for a terminal */
  bool interactive;         /* keep an (empty) stdin open */
  const char *log_path;     /* ROOT/containers/ID/ctr.log; NULL: output dropped */
  int64_t log_size_max;     /* the most bytes the log may hold (logfile.h); <= 0: no limit */
  const char *attach_dir;   /* where the attach socket goes (monitor-attach.h); NULL: none */
  long wait_attach_ms;      /* > 0: hold output and exit for the first attach client
                               that long (run -it attaches at once) */
  const char *exit_dir;     /* where the exit record goes; NULL: none */
  int64_t started;          /* this run's start, ns */
  char *const *cleanup;     /* command the monitor execs at the end, or NULL */
  const int *keep_fds;      /* extra fds the monitor holds open (e.g. a network
                               helper's exit fd); -1 ended, may be NULL */
};

/* The ctool-monitor binary next to ctool (build tree), else in
 * PKGLIBEXECDIR. Missing: an error that says so. */
int monitor_find(char **path, ctool_error_t *err);

/* Start the process under a new monitor. On success it runs and
 * *ctr_pid, *mon_pid are set. */
int monitor_spawn(const struct monitor_params *p, pid_t *ctr_pid, pid_t *mon_pid, ctool_error_t *err);

#endif
