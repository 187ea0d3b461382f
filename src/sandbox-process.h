/* The last steps of every container process, shared by sandbox_start and
 * sandbox_exec: stdio or a pty, working directory, rlimits, user and
 * groups, capabilities, no_new_privs, seccomp, the optional init, and the
 * exec of the user's command with Podman's exit codes (127 not found, 126
 * cannot be invoked). */
#ifndef CTOOL_SANDBOX_PROCESS_H
#define CTOOL_SANDBOX_PROCESS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "security.h"

struct sandbox_process {
  char **args;
  char **env;
  char *cwd;
  uid_t uid;
  gid_t gid;
  gid_t *gids;              /* additionalGids */
  size_t n_gids;
  bool has_umask;
  mode_t umask;
  bool terminal;
  unsigned short rows, cols;
  bool has_oom_score_adj;
  int oom_score_adj;
  struct security_caps caps;
  struct security_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privs;
  bool has_seccomp;
  struct security_seccomp seccomp;
  bool init;                /* a minimal init as PID 1 (--init) */
  bool bind_console;        /* terminal: bind the pty on /dev/console */
  int stdio[3];             /* -1: keep the inherited one */
};

/* Parse PROCESS (an OCI process object) and compile or load SECCOMP (an
 * OCI linux.seccomp object, may be NULL). */
int sandbox_process_build(json_object *process, json_object *seccomp, const char *seccomp_cache_dir,
                          const int stdio[3], struct sandbox_process *out, ctool_error_t *err);
void sandbox_process_free(struct sandbox_process *p);

/* In the child, inside the container (its root is "/"): set everything up,
 * wait for CHANNEL_START on SOCK, exec. Returns only on failure. */
int sandbox_process_run(const struct sandbox_process *p, int sock, bool setgroups_allowed, ctool_error_t *err);


/* The minimal init: reap zombies, forward signals to CHILD, exit with
 * its status. */
_Noreturn void sandbox_init_loop(pid_t child);

#endif
