/* registries.conf (v2 subset) as Podman users have it:
 * /etc/containers/registries.conf, registries.conf.d/*.conf drop-ins, and
 * $XDG_CONFIG_HOME/containers/registries.conf (which replaces the system
 * file when present, as in containers-registries.conf(5)). */
#ifndef CTOOL_REGCONF_H
#define CTOOL_REGCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct regconf_mirror {
  char *location;
  bool insecure;
};

struct regconf_registry {
  char *prefix;        /* "prefix" or, when absent, "location" */
  char *location;      /* where to pull from instead */
  bool insecure;       /* HTTP or unverified TLS allowed */
  bool blocked;
  struct regconf_mirror *mirrors;
  size_t n_mirrors;
};

struct regconf {
  char **search;       /* unqualified-search-registries, NULL-ended */
  struct regconf_registry *registries;
  size_t n_registries;
  char **alias_names;  /* [aliases]: short name -> full reference */
  char **alias_values;
  size_t n_aliases;
  char *short_name_mode; /* "enforcing", "permissive", "disabled" or NULL */
};

/* Load the files in the usual places. A missing file is no error; a bad
 * one is, with file:line. Unknown keys warn (file:line) and are ignored.
 * CTOOL_REGISTRIES_CONF, when set, names the only file to read (tests). */
int regconf_load(struct regconf *out, ctool_error_t *err);
/* Parse one file's text into *conf (merging); NAME is for messages. */
int regconf_parse_text(struct regconf *conf, const char *text, const char *name, ctool_error_t *err);
void regconf_clear(struct regconf *conf);

/* The [[registry]] entry whose prefix matches REF_NAME ("host/repo")
 * longest, or NULL. */
const struct regconf_registry *regconf_find(const struct regconf *conf, const char *ref_name);
/* Candidates for a short name ("busybox", "team/app:1"): an alias when
 * one matches, else one fully qualified reference per search registry.
 * NULL-ended strings; none when no search registries are configured. */
char **regconf_short_name_candidates(const struct regconf *conf, const char *short_name);

#endif
