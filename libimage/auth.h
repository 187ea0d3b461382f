/* Registry credentials in the files Podman and Docker users have:
 * $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
 * $XDG_CONFIG_HOME/containers/auth.json, ~/.docker/config.json. */
#ifndef CTOOL_AUTH_H
#define CTOOL_AUTH_H

#include "error.h"

struct auth_cred {
  char *username;
  char *password;
};

/* Look up credentials for REGISTRY ("host:port"), also matching
 * "host/repo" keys and "https://host" forms as Podman does. AUTHFILE (from
 * --authfile) replaces the search when not NULL. Not found: 0 with both
 * fields NULL. A malformed file is an error naming it. */
int auth_lookup(const char *authfile, const char *registry, struct auth_cred *out, ctool_error_t *err);
/* Store credentials (base64 "auth" field), creating the file 0600,
 * atomically; default file $XDG_RUNTIME_DIR/containers/auth.json. */
int auth_store(const char *authfile, const char *registry, const struct auth_cred *cred, ctool_error_t *err);
/* Remove credentials; *found tells whether there were any. */
int auth_remove(const char *authfile, const char *registry, int *found, ctool_error_t *err);
/* Remove every entry from the file (logout --all). */
int auth_remove_all(const char *authfile, ctool_error_t *err);
/* The file auth_store writes to when AUTHFILE is NULL. */
char *auth_default_file(void);
void auth_cred_clear(struct auth_cred *c);

/* CA certificates and client certs for a registry: the first of
 * $XDG_CONFIG_HOME/containers/certs.d/HOST[:PORT]/ and
 * /etc/containers/certs.d/HOST[:PORT]/ that exists, or NULL.
 * CTOOL_CERTS_D (tests) replaces both. */
char *certs_dir_for(const char *registry);

#endif
