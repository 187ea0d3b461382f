/* ctool pull */
#include "commands.h"
#include "context.h"
#include "extract.h"
#include "libimage/pull.h"
#include "prompt.h"
#include "regopts.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const struct cli_option pull_options[] = {
  { "quiet", 'q', OPT_BOOL, NULL, "Print only the image ID, no progress", NULL },
  { "platform", 0, OPT_STRING, "PLATFORM", "Pull the image for PLATFORM (OS/ARCH[/VARIANT]) instead of this machine's",
    "linux/amd64|linux/arm64|linux/arm/v7|linux/arm/v6|linux/386|linux/ppc64le|linux/s390x|linux/riscv64" },
  { "tls-verify", 0, OPT_BOOL, NULL, "Require HTTPS and verify certificates (default true)", NULL },
  { "authfile", 0, OPT_STRING, "FILE", "Read registry credentials from FILE", COMPLETE_FILES },
  { "creds", 0, OPT_STRING, "CREDENTIALS", "USER[:PASSWORD] for the registry (asks for a missing password)", NULL },
  { NULL },
};

/* "USER:PASSWORD", or "USER" and a password typed on the terminal. */
static int
parse_creds(const char *s, struct auth_cred *out, ctool_error_t *err)
{
  const char *colon = strchr(s, ':');
  size_t user_len = colon ? (size_t) (colon - s) : strlen(s);
  if (user_len == 0)
    return ctool_error_set(err, 0, "invalid --creds '%s': use USERNAME[:PASSWORD]", s);
  out->username = xstrndup(s, user_len);
  if (colon)
    {
      out->password = xstrdup(colon + 1);
      return 0;
    }
  return prompt_line("Password: ", false, "password", "use --creds USERNAME:PASSWORD", &out->password, err);
}

static int
run_pull(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  struct auth_cred creds = { 0 };
  struct image_store *store = NULL;
  struct pull_result result = { 0 };
  const char *authfile = cli_str(args, "authfile");
  struct pull_options opts;
  int ret = -1;

  if (cli_check_authfile(authfile, false, err) < 0)
    return -1;
  if (cli_str(args, "creds") && parse_creds(cli_str(args, "creds"), &creds, err) < 0)
    goto out;
  if (ctx_ensure_dirs(ctx, err) < 0 || ctool_store_open(ctx, &store, err) < 0)
    goto out;
  opts = (struct pull_options){
    .reference = cli_arg(args, 0),
    .platform = cli_str(args, "platform"),
    .tls_verify = cli_tls_verify(args),
    .authfile = authfile,
    .creds = creds.username ? &creds : NULL,
    .progress = cli_flag(args, "quiet") ? NULL : stderr,
    .extract = extract_layers_userns,
  };
  if (pull_image(store, &opts, &result, err) < 0)
    goto out;
  printf("%s\n", result.image_id);
  ret = 0;

out:
  pull_result_clear(&result);
  if (store)
    image_store_close(store);
  auth_cred_clear(&creds);
  return ret;
}

const struct cli_command cmd_pull = {
  .name = "pull",
  .summary = "Pull an image from a registry",
  .usage = "[options] IMAGE",
  .handler = run_pull,
  .options = pull_options,
  .min_args = 1,
  .max_args = 1,
  .args_complete = COMPLETE_IMAGES,
};
