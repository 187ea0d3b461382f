/* Options the registry verbs (pull, login) share. */
#ifndef CTOOL_REGOPTS_H
#define CTOOL_REGOPTS_H

#include "cli.h"
#include "error.h"

/* --tls-verify as a tri-state: -1 when not given (registries.conf
 * decides), else 0 or 1. */
int cli_tls_verify(const struct cli_args *args);
/* An --authfile that cannot be read is an error naming it (missing is
 * fine for login, which creates it: pass MAY_BE_MISSING). */
int cli_check_authfile(const char *authfile, bool may_be_missing, ctool_error_t *err);

#endif
