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

/* Look up credentials for REGISTRY ("host:port", or "host:port/ns/repo"
 * to prefer a key for that repository or namespace: most specific key
 * first, then the host, then old spellings such as "https://host/v1/").
 * AUTHFILE (from --authfile), else $REGISTRY_AUTH_FILE, replaces the
 * search when set (as in Podman, whose --authfile defaults to it); else
 * the first file with an entry wins ($DOCKER_CONFIG/config.json replaces
 * ~/.docker/config.json; ~/.dockercfg comes last). Not found: 0 with both
 * fields NULL. A malformed file is an error naming it. */
int auth_lookup(const char *authfile, const char *registry, struct auth_cred *out, ctool_error_t *err);
/* The same, and *SOURCE (may be NULL) gets the file the credentials came
 * from (for messages such as "credentials from ~/.docker/config.json"). */
int auth_lookup_source(const char *authfile, const char *registry, struct auth_cred *out, char **source,
                       ctool_error_t *err);
/* Store credentials (base64 "auth" field) under the key REGISTRY, creating
 * the file 0600 (its directory 0700), atomically, under a lock; other keys
 * and fields are kept. Default file: auth_default_file(). */
int auth_store(const char *authfile, const char *registry, const struct auth_cred *cred, ctool_error_t *err);
/* Remove the key REGISTRY (for a bare host also its old spellings) from
 * AUTHFILE or the default file; *found tells whether there were any. */
int auth_remove(const char *authfile, const char *registry, int *found, ctool_error_t *err);
/* Remove every entry from the file (logout --all). */
int auth_remove_all(const char *authfile, ctool_error_t *err);
/* The file auth_store writes to when AUTHFILE is NULL: $REGISTRY_AUTH_FILE
 * or $XDG_RUNTIME_DIR/containers/auth.json. */
char *auth_default_file(void);
void auth_cred_clear(struct auth_cred *c);

/* CA certificates and client certs for a registry: the first of
 * $XDG_CONFIG_HOME/containers/certs.d/HOST[:PORT]/,
 * /etc/containers/certs.d/HOST[:PORT]/ and /etc/docker/certs.d/HOST[:PORT]/
 * that is a directory, or NULL (also for names with '/' or "..").
 * CTOOL_CERTS_D (tests) replaces them all. */
char *certs_dir_for(const char *registry);

#endif
