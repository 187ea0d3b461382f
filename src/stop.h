/* Signals to a running container, stop with a grace period, and waiting
 * for an exit. The container's init is addressed through a pidfd opened
 * after checking the PID's start time, so a reused PID is never hit;
 * killing the init of the container's PID namespace kills every process
 * in it. */
#ifndef CTOOL_STOP_H
#define CTOOL_STOP_H

#include <stdbool.h>

#include "container.h"
#include "error.h"

/* Send SIG to the container's init. Not running: an error. */
int container_kill(struct container *c, int sig, ctool_error_t *err);

/* Stop C: its stop signal, up to TIMEOUT seconds (-1: its own
 * StopTimeout), then SIGKILL. Returns once it has exited and its exit is
 * recorded. Not running: nothing to do, success. Takes the lock unless
 * the caller holds it. */
int container_stop(struct container *c, int timeout, ctool_error_t *err);

/* Wait until C is no longer running (or was removed); its exit code in
 * *code (-1 when unknown or removed). */
int container_wait_exit(struct container *c, int *code, ctool_error_t *err);

#endif
