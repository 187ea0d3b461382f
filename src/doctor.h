/* The doctor: the host probes of probe.h as a verdict for people.
 *
 * `ctool system check` prints every problem with its cause, the file
 * involved and the exact command that fixes it. When a container fails to
 * start, the runtime calls doctor_explain_failure() so that the user
 * learns the cause in the same line as the failure. */
#ifndef CTOOL_DOCTOR_H
#define CTOOL_DOCTOR_H

#include <stdio.h>

#include "cli.h"
#include "error.h"
#include "probe.h"

/* Print P's problems for people on F: errors first, each as
 *   error: CAUSE
 *     file: FILE
 *     fix:  COMMAND
 * then a summary line. Returns the number of errors. */
size_t doctor_print(FILE *f, const struct probe *p);

/* After a container failed to start (or an exec failed) with *ERR: when
 * the failure is ctool's own (exit code 125, not the command's 126/127),
 * run the host checks that a start depends on and, when one of them
 * explains the failure (an error, or a warning about what the message
 * names: the runtime directory, tun, fuse, cgroups), append it:
 * "...; the host has a problem: CAUSE; fix: COMMAND (see 'ctool system
 * check' for N more)". Nothing changes when the checks find nothing.
 * They take about a tenth of a second and run only on failure. */
void doctor_explain_failure(const struct cli_ctx *ctx, ctool_error_t *err);

#endif
