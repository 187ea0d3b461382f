/* How a container's last run ended, in ROOT/containers/ID/exit as one line
 * "STARTED_NS FINISHED_NS EXIT_CODE\n". Written when a run starts (finished
 * 0, code -1) and when it ends, by the monitor or the foreground ctool.
 * Kept apart from state.c because the small monitor binary links it and
 * nothing heavier. */
#ifndef CTOOL_EXIT_RECORD_H
#define CTOOL_EXIT_RECORD_H

#include <stdint.h>

#include "error.h"

#define EXIT_RECORD_FILE "exit"

/* Read the record in directory DIR. Missing or malformed: -1 with errno
 * set and no error struct: callers treat that as "no record". */
int exit_record_read(const char *dir, int64_t *started, int64_t *finished, int *code);
/* Replace the record atomically. */
int exit_record_write(const char *dir, int64_t started, int64_t finished, int code, ctool_error_t *err);

/* Now, as ns since the epoch. */
int64_t time_now_ns(void);
/* Exit code of a wait status as a shell reports it: the code, or 128+signal. */
int exit_code_from_wait_status(int status);

#endif
