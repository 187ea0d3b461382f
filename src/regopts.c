#include "regopts.h"

#include <errno.h>
#include <unistd.h>

int
cli_tls_verify(const struct cli_args *args)
{
  if (!cli_given(args, "tls-verify"))
    return -1;
  return cli_flag(args, "tls-verify") ? 1 : 0;
}

int
cli_check_authfile(const char *authfile, bool may_be_missing, ctool_error_t *err)
{
  if (authfile == NULL || access(authfile, R_OK) == 0 || (may_be_missing && errno == ENOENT))
    return 0;
  return ctool_error_set(err, errno, "cannot read the credentials file '%s' given with --authfile", authfile);
}
