/* Making a container from an image and the run/create options: resolve
 * (and pull) the image, check every option and build the spec, and only
 * then write anything: the container directory, its /etc files, named
 * volumes, ctool.json, and its name. Bad input leaves nothing behind. */
#ifndef CTOOL_CREATE_H
#define CTOOL_CREATE_H

#include "cli.h"
#include "container.h"
#include "error.h"
#include "run-opts.h"

int container_create_from_opts(struct cli_ctx *ctx, const struct run_opts *o, struct container **out,
                               ctool_error_t *err);

#endif
