/* ctool pull */
#include "commands.h"
#include "context.h"
#include "extract.h"
#include "image-helper.h"
#include "libimage/pull.h"
#include "prompt.h"
#include "regopts.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

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

int
cmd_pull_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
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
