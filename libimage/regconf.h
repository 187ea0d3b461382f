/* registries.conf (v2 subset) as Podman users have it:
 * /etc/containers/registries.conf, the *.conf drop-ins of registries.conf.d, and
 * $XDG_CONFIG_HOME/containers/registries.conf (which, when present,
 * replaces the system file and the system drop-ins, as in
 * containers-registries.conf.d(5)), then the user's drop-ins. */
#ifndef CTOOL_REGCONF_H
#define CTOOL_REGCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct regconf_mirror {
  char *location;
  bool insecure;
  char *pull_from_mirror; /* "all", "digest-only", "tag-only" or NULL (= all) */
};

struct regconf_registry {
  char *prefix;        /* "prefix" or, when absent, "location" */
  char *location;      /* where to pull from instead */
  bool insecure;       /* HTTP or unverified TLS allowed */
  bool blocked;
  struct regconf_mirror *mirrors;
  size_t n_mirrors;
  bool mirror_by_digest_only;
};

struct regconf {
  char **search;       /* unqualified-search-registries, NULL-ended */
  struct regconf_registry *registries;
  size_t n_registries;
  char **alias_names;  /* [aliases]: short name -> full reference */
  char **alias_values;
  size_t n_aliases;
  char *short_name_mode; /* "enforcing", "permissive", "disabled" or NULL */
  char **alias_origins;  /* the file each alias comes from */
};

/* Load the files in the usual places. A missing file is no error; a bad
 * one is, with file:line. Unknown keys warn (file:line) and are ignored.
 * CTOOL_REGISTRIES_CONF, when set, names the only file to read (tests). */
int regconf_load(struct regconf *out, ctool_error_t *err);
/* Parse one file's text into *conf (merging); NAME is for messages. */
int regconf_parse_text(struct regconf *conf, const char *text, const char *name, ctool_error_t *err);
void regconf_clear(struct regconf *conf);
/* regconf_load with explicit places (tests, and regconf_load itself): MAIN
 * (may be NULL or missing), then the *.conf files of each of DROPIN_DIRS
 * (NULL-ended; missing directories are skipped) in lexical order. */
int regconf_load_files(struct regconf *out, const char *main_file, const char *const *dropin_dirs,
                       ctool_error_t *err);

/* The [[registry]] entry whose prefix matches REF_NAME ("host/repo")
 * longest, or NULL. */
const struct regconf_registry *regconf_find(const struct regconf *conf, const char *ref_name);
/* Candidates for a short name ("busybox", "team/app:1"): an alias when
 * one matches, else one fully qualified reference per search registry.
 * NULL-ended strings; none when no search registries are configured. */
char **regconf_short_name_candidates(const struct regconf *conf, const char *short_name);
/* The alias for SHORT_NAME (without tag or digest) or NULL; *origin (may
 * be NULL) gets the file that defined it, for "Resolved ... as an alias". */
const char *regconf_alias(const struct regconf *conf, const char *short_name, const char **origin);

/* Where to pull REF (a fully qualified reference string) from, in order:
 * the matching [[registry]]'s mirrors (respecting mirror-by-digest-only and
 * pull-from-mirror), then its location (or REF itself). A blocked
 * registry is an error. */
struct regconf_source {
  char *ref;       /* fully qualified, normalized */
  bool insecure;
  bool is_mirror;
};
int regconf_pull_sources(const struct regconf *conf, const char *ref, struct regconf_source **out, size_t *n_out,
                         ctool_error_t *err);
void regconf_sources_free(struct regconf_source *sources, size_t n);

#endif
