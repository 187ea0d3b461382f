/* The command line a container was created with (Podman's CreateCommand):
 * `ctool run` and `ctool create` record it in the container's metadata,
 * `ctool generate systemd --new` turns it back into a `ctool run` for a
 * unit that makes a fresh container on every start. */
#ifndef CTOOL_CREATE_COMMAND_H
#define CTOOL_CREATE_COMMAND_H

#include <json-c/json.h>

#include "error.h"

/* The metadata key (ctool.json): an array of strings, argv as given. */
#define META_CREATE_COMMAND "CreateCommand"

/* This process's command line (/proc/self/cmdline) as a JSON array. */
json_object *create_command_current(void);

/* From CREATE_COMMAND (the recorded argv), a `ctool run` that creates the
 * same container in the foreground, removed when it exits, under NAME:
 * *OPTIONS gets "--rm", "--name=NAME" and every option given, spelled
 * --long=VALUE (-d and the original --name and --rm dropped); *ARGS the
 * image and the command. A command line that is not a run or create is an
 * error. NULL-ended, malloc'd. */
int create_command_run_args(json_object *create_command, const char *name, char ***options, char ***args,
                            ctool_error_t *err);

#endif
