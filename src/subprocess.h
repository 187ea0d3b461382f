/* Running helper programs (newuidmap, fuse-overlayfs, slirp4netns) without
 * a shell: find them in PATH, start them with posix_spawn (or fork), collect their
 * output and exit status. */
#ifndef CTOOL_SUBPROCESS_H
#define CTOOL_SUBPROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* NAME searched in $PATH, then in the usual system directories (a service
 * may run with a short PATH). A malloc'd absolute path, or NULL. */
char *find_program(const char *name);

struct spawn {
  pid_t pid;
  int out_fd;   /* read end of the child's stdout, -1 when not captured */
  int err_fd;   /* read end of the child's stderr */
};

/* Start ARGV (argv[0] an absolute path) with stdin from /dev/null, stderr
 * captured, stdout captured when CAPTURE_OUT (else /dev/null), default
 * signal dispositions and an empty signal mask. */
int spawn_start(char *const argv[], bool capture_out, struct spawn *sp, ctool_error_t *err);
/* spawn_start (stdout to /dev/null) without waiting for the exec: fork,
 * not posix_spawn's vfork, so that the caller goes on while a slow exec
 * (a setuid helper's) happens. An exec that fails shows in spawn_finish
 * as exit status 127, the reason in the error text. */
int spawn_start_nowait(char *const argv[], struct spawn *sp, ctool_error_t *err);
/* Read the child's output to the end (at most 64 KiB of each is kept),
 * reap it. OUT/ERRTEXT may be NULL; the texts are NUL-ended, trailing
 * newlines removed. *WSTATUS is waitpid's status. */
int spawn_finish(struct spawn *sp, char **out, char **errtext, int *wstatus, ctool_error_t *err);
/* spawn_start + spawn_finish. */
int spawn_run(char *const argv[], char **out, char **errtext, int *wstatus, ctool_error_t *err);

/* "exited with status 1" / "killed by signal 9" for messages. */
void describe_wait_status(int wstatus, char *buf, size_t len);

#endif
