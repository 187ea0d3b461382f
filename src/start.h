/* Starting a created (or exited) container: build the sandbox
 * configuration from its config.json and metadata, start it detached
 * under a monitor or in the foreground, and keep its state up to date. */
#ifndef CTOOL_START_H
#define CTOOL_START_H

#include <stdbool.h>

#include "cli.h"
#include "container.h"
#include "error.h"

struct start_opts {
  bool detach;       /* return once it runs; a monitor stays with it */
  bool interactive;  /* pass stdin (foreground), keep one open (detached) */
  bool sig_proxy;    /* foreground: forward signals */
  bool wait_attach;  /* detached, and the caller attaches at once (run -it):
                        the monitor holds its output and exit for it */
};

/* Start C, which must not be running. Foreground: wait for it, record
 * the exit, remove it when it is an --rm container, and put its exit code
 * in *exit_code. Detached: return once its command was exec'd. */
int container_start(const struct cli_ctx *ctx, struct container *c, const struct start_opts *o, int *exit_code,
                    ctool_error_t *err);

/* True when a status counts as running for start/stop/rm. */
bool status_is_live(enum ctr_status s);

#endif
