/* Where a container's cgroup is, and what became of it when the container
 * exited. Kept to libc (plus common/) because the monitor links it.
 *
 *   ROOT/containers/ID/cgroup   the absolute cgroup directory of the
 *                               current run (written when the process is
 *                               placed, removed with the cgroup); absent:
 *                               the container runs without a cgroup
 *   ROOT/containers/ID/oom      "STARTED_NS\n": that run had a process
 *                               killed by the OOM killer (memory.events) */
#ifndef CTOOL_CGROUP_RECORD_H
#define CTOOL_CGROUP_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define CGROUP_RECORD_FILE "cgroup"
#define CGROUP_OOM_FILE "oom"

/* Record PATH (NULL: none) as the cgroup of the container in CTR_DIR. */
int cgroup_record_write(const char *ctr_dir, const char *path, ctool_error_t *err);
/* The recorded cgroup directory when it still exists, else NULL. */
char *cgroup_record_read(const char *ctr_dir);
/* The container has exited (run STARTED): note an OOM kill, remove the
 * (empty) cgroup and the record. Errors are only logged. */
void cgroup_record_finish(const char *ctr_dir, int64_t started);
/* Whether run STARTED of the container in CTR_DIR was OOM-killed. */
bool cgroup_record_oom(const char *ctr_dir, int64_t started);

#endif
