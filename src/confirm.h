/* The "Are you sure?" question of the destructive verbs (system prune,
 * system reset, volume prune), as Podman asks it. */
#ifndef CTOOL_CONFIRM_H
#define CTOOL_CONFIRM_H

#include "error.h"

/* Print WARNING and "Are you sure you want to continue? [y/N] " on stderr
 * and read one line from stdin (a terminal or not, as Podman: `yes |
 * ctool system prune` works). Returns 1 for an answer starting with y or
 * Y, 0 for any other answer, -1 when stdin ends without an answer (the
 * error says to pass --force). */
int confirm_continue(const char *warning, ctool_error_t *err);

#endif
