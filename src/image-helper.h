/* ctool-image: the verbs that need libcurl (registries) or libarchive
 * (layers, archives) run in a second executable, so that every other
 * command starts without loading those libraries and their ~50
 * dependencies.
 *
 * Both executables are built from main.c and the one command table; a
 * verb marked CLI_IMAGE_HELPER (image-verbs.c) has no handler in the table.
 * main.c asks image_helper_handler() for it: in ctool
 * (image-helper-exec.c) that handler execs ctool-image with the same
 * argv; in ctool-image (image-helper-table.c) it is the verb's own
 * handler below. */
#ifndef CTOOL_IMAGE_HELPER_H
#define CTOOL_IMAGE_HELPER_H

#include "cli.h"

#define IMAGE_HELPER_NAME "ctool-image"

typedef int (*cli_handler_fn)(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err);

/* The handler of a CLI_IMAGE_HELPER verb in this executable. */
cli_handler_fn image_helper_handler(const struct cli_command *cmd);

/* Pull REF into the store by running `ctool-image pull REF` (progress on
 * stderr, as `ctool pull`). A failure was reported by the helper: the
 * error carries its exit code and prints nothing more. */
int image_helper_pull(struct cli_ctx *ctx, const char *ref, ctool_error_t *err);

/* Set in the environment of ctool-image when ctool starts it: ctool
 * has printed the warnings about its config already. */
#define IMAGE_HELPER_ENV "CTOOL_STARTED_BY_CTOOL"

/* config_load_with_flags (ctool-conf.h), without a second copy of the
 * config's warnings in a ctool-image that ctool started. */
struct ctool_config;
int image_helper_config_load(struct ctool_config *cfg, const char *root, const char *runroot, ctool_error_t *err);

/* The handlers, linked into ctool-image only. */
int cmd_pull_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err);
int cmd_login_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err);
int cmd_logout_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err);
int cmd_image_save_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err);
int cmd_image_load_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err);
int cmd_version_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err);

#endif
