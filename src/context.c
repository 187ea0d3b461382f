#include "ctool-conf.h"
#include "context.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *
home_dir(void)
{
  const char *h = getenv("HOME");
  if (h && *h)
    return h;
  struct passwd *pw = getpwuid(getuid());
  return pw ? pw->pw_dir : "/";
}

char *
default_root_dir(void)
{
  const char *x = getenv("XDG_DATA_HOME");
  if (x && *x == '/')
    return xasprintf("%s/ctool/storage", x);
  return xasprintf("%s/.local/share/ctool/storage", home_dir());
}

char *
default_runroot_dir(void)
{
  const char *x = getenv("XDG_RUNTIME_DIR");
  struct stat st;
  if (x && *x == '/' && stat(x, &st) == 0 && st.st_uid == getuid())
    return xasprintf("%s/ctool", x);
  return xasprintf("/tmp/ctool-run-%u", (unsigned) getuid());
}

int
ctx_resolve_paths(struct cli_ctx *ctx, ctool_error_t *err)
{
  /* ctool.conf's storage.root / storage.runroot when no flag gave them */
  if (ctx->root == NULL && ctx->config && config_str(ctx->config, CONFIG_STORAGE_ROOT))
    ctx->root = xstrdup(config_str(ctx->config, CONFIG_STORAGE_ROOT));
  if (ctx->runroot == NULL && ctx->config && config_str(ctx->config, CONFIG_STORAGE_RUNROOT))
    ctx->runroot = xstrdup(config_str(ctx->config, CONFIG_STORAGE_RUNROOT));
  if (ctx->root == NULL)
    ctx->root = default_root_dir();
  if (ctx->runroot == NULL)
    ctx->runroot = default_runroot_dir();
  if (ctx->root[0] != '/' || ctx->runroot[0] != '/')
    return ctool_error_set(err, 0, "--root and --runroot must be absolute paths");
  return 0;
}

int
ctx_ensure_dirs(struct cli_ctx *ctx, ctool_error_t *err)
{
  if (mkdir_p(ctx->root, 0700, err) < 0)
    return ctool_error_prefix(err, "cannot create the storage directory (set --root or XDG_DATA_HOME)");
  if (mkdir_p(ctx->runroot, 0700, err) < 0)
    return ctool_error_prefix(err, "cannot create the runtime directory (set --runroot or XDG_RUNTIME_DIR)");
  return 0;
}
