/* Waiting for a container (or an exec'd process) in the foreground: its
 * stdio is ctool's own, or a pty relayed to ctool's terminal (raw mode,
 * restored on return; window size followed on SIGWINCH); signals ctool
 * gets are forwarded to it; returns its wait status. */
#ifndef CTOOL_FOREGROUND_H
#define CTOOL_FOREGROUND_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Output relayed through ctool, so that it is logged on its way to the
 * terminal (a container that stays after a foreground run). */
struct foreground_output {
  int out_fd, err_fd;  /* the read ends of its stdout and stderr pipes (foreground_wait
                          closes them); -1 with a pty */
  int log_fd;          /* its log (logfile.h), O_APPEND */
  int64_t log_size_max; /* the most bytes the log may hold (logfile.h log_size); <= 0: no limit */
};

struct foreground_opts {
  int console_fd;      /* pty master, or -1 */
  bool stdin_to_tty;   /* relay our stdin into the pty (-i) */
  bool sig_proxy;      /* forward signals (--sig-proxy) */
  const struct foreground_output *output; /* NULL: output not relayed (but the pty's) */
};

/* Block the signals that will be forwarded (and SIGCHLD, SIGWINCH), so
 * that one arriving while the process starts is forwarded once it runs
 * instead of killing ctool. Call before starting it; the sandbox clears
 * the mask in the child. */
void foreground_block_signals(sigset_t *old);
void foreground_restore_signals(const sigset_t *old);

/* PID is a child of ours; the signals are blocked (above) and restored to
 * OLD on return. Returns 0 and its wait status. */
int foreground_wait(pid_t pid, const struct foreground_opts *o, const sigset_t *old, int *status,
                    ctool_error_t *err);

#endif
