/* What a pull shows on stderr: one progress bar per layer on a terminal,
 * one plain line per layer when done otherwise ("Copying blob
 * 0123456789ab done"), nothing when quiet. */
#ifndef CTOOL_PROGRESS_H
#define CTOOL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress;

/* OUT NULL: quiet. Bars only when OUT is a terminal. */
struct progress *progress_new(FILE *out);
void progress_free(struct progress *p);
/* Plain lines ("Trying to pull ...") between the bars' redraws. */
void progress_say(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A blob to show: returns its slot. DIGEST "sha256:...". */
size_t progress_add(struct progress *p, const char *what, const char *digest, int64_t total);
void progress_update(struct progress *p, size_t slot, uint64_t bytes, bool done);
/* A blob not downloaded because the store has it. */
void progress_skipped(struct progress *p, const char *what, const char *digest);
/* Draw the final state of every bar (call before other output). */
void progress_flush(struct progress *p);

#endif
