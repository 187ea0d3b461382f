/* Where a user's ctool keeps things: resolved once per command from the
 * global options and the XDG environment. */
#ifndef CTOOL_CONTEXT_H
#define CTOOL_CONTEXT_H

#include "cli.h"

/* Fill ctx->root and ctx->runroot from --root/--runroot, else
 * $XDG_DATA_HOME/ctool/storage and $XDG_RUNTIME_DIR/ctool (falling back to
 * ~/.local/share and /tmp/ctool-run-UID as Podman does). */
int ctx_resolve_paths(struct cli_ctx *ctx, ctool_error_t *err);
/* The same defaults without a ctx (ctool info shows them). */
char *default_root_dir(void);
char *default_runroot_dir(void);
/* Create root and runroot (0700) when missing. */
int ctx_ensure_dirs(struct cli_ctx *ctx, ctool_error_t *err);

#endif
