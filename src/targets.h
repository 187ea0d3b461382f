/* The verbs that act on several containers at once (start, restart, stop,
 * kill, rm): find the containers named on the command line (or every one
 * with --all), act on each, print each one done, report every failure,
 * and return as Podman does: 0, 125 when some failed, or the error when
 * nothing was done. */
#ifndef CTOOL_TARGETS_H
#define CTOOL_TARGETS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "container.h"
#include "error.h"

/* The containers named on the command line, or with ALL every container
 * (with RUNNING_ONLY only the live ones). A lookup that fails is printed
 * at once (unless IGNORE_MISSING and the container does not exist) and
 * sets *FAILED; the rest go on. NULL (ERR set) for a wrong use of --all. */
struct container **targets_find(struct cli_ctx *ctx, struct cli_args *args, bool all, bool running_only,
                                bool ignore_missing, size_t *n, int *failed, ctool_error_t *err);

/* What an operation returns for a container that needs no report (removed
 * meanwhile by someone else): neither done nor failed. */
#define TARGET_SKIPPED 1

/* How a container done is printed: as the user named it (the full ID
 * with --all), always by its full ID, or not at all (the operation
 * prints). */
enum target_echo { TARGET_ECHO_AS_GIVEN, TARGET_ECHO_ID, TARGET_ECHO_NONE };

/* Apply OP (with DATA) to each of the N containers of LIST, print each one
 * done, print every failure but the last; frees LIST. FAILED: what
 * targets_find reported. Returns 0, EXIT_CTOOL_ERROR when something
 * failed, or -1 with the last error in ERR when nothing was done. */
int targets_each(struct container **list, size_t n, int failed, enum target_echo echo,
                 int (*op)(struct container *c, void *data, ctool_error_t *err), void *data,
                 ctool_error_t *err);

/* --time SECONDS of stop, restart and rm into *TIMEOUT (-1: not given,
 * the container's own stop timeout). */
int targets_time_option(const struct cli_args *args, int *timeout, ctool_error_t *err);

#endif
