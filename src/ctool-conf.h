/* ctool.conf: defaults a user or an admin sets once, in the spirit of
 * Podman's containers.conf (TOML, the same subset registries.conf uses).
 *
 *   [containers]
 *   netns = "slirp4netns"          # default --network mode
 *   pids_limit = 2048              # default --pids-limit (0: unlimited)
 *   default_ulimits = ["nofile=1024:4096"]
 *   log_size_max = "10MB"          # a container log's most bytes: truncated when full (-1: no limit)
 *   [engine]
 *   cgroup_manager = "systemd"     # or "cgroupfs"
 *   [storage]
 *   root = "~/.local/share/ctool/storage"   # default --root
 *   runroot = "/run/user/1000/ctool"        # default --runroot
 *   overlay_mode = "auto"          # auto, native, fuse, copy (forced: an error when not available)
 *
 * Files, later ones overriding earlier ones key by key:
 *   /etc/ctool/ctool.conf
 *   $XDG_CONFIG_HOME/ctool/ctool.conf (~/.config/ctool/ctool.conf)
 * or, when CTOOL_CONFIG is set, that one file alone (it must exist).
 * Strict: an unknown table or key is a warning naming FILE:LINE; a value
 * of the wrong type or out of range is an error naming FILE:LINE. Every
 * effective value remembers where it came from, for `ctool info`. */
#ifndef CTOOL_CONF_H
#define CTOOL_CONF_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define CONFIG_SYSTEM_FILE "/etc/ctool/ctool.conf"
/* The smallest containers.log_size_max other than -1 (no limit). */
#define CONFIG_LOG_SIZE_MIN 8192

enum config_key {
  CONFIG_NETNS,           /* containers.netns: string */
  CONFIG_PIDS_LIMIT,      /* containers.pids_limit: integer */
  CONFIG_DEFAULT_ULIMITS, /* containers.default_ulimits: list of "name=soft[:hard]" */
  CONFIG_LOG_SIZE_MAX,    /* containers.log_size_max: integer bytes, -1 for no limit */
  CONFIG_CGROUP_MANAGER,  /* engine.cgroup_manager: string */
  CONFIG_STORAGE_ROOT,    /* storage.root: absolute path, NULL = the XDG default */
  CONFIG_STORAGE_RUNROOT, /* storage.runroot: absolute path, NULL = the XDG default */
  CONFIG_OVERLAY_MODE,    /* storage.overlay_mode: auto, native, fuse, copy */
  CONFIG_N_KEYS,
};

struct config_value {
  char *str;       /* string keys; NULL when unset */
  int64_t num;     /* integer keys */
  char **list;     /* list keys, NULL-ended (never NULL) */
  char *origin;    /* "default", "/etc/ctool/ctool.conf:12", "--root" */
};

struct ctool_config {
  struct config_value values[CONFIG_N_KEYS];
  char **files;    /* the files read, in order (NULL-ended, never NULL) */
};

/* Built-in defaults only. */
void config_init(struct ctool_config *cfg);
/* Defaults, then the files above. */
int config_load(struct ctool_config *cfg, ctool_error_t *err);
/* Defaults, then PATHS in order; a missing file is skipped unless
 * MUST_EXIST. For tests and CTOOL_CONFIG. */
int config_load_files(struct ctool_config *cfg, char *const *paths, bool must_exist, ctool_error_t *err);
/* One file's text on top of what CFG holds (NAME for messages). */
int config_parse_text(struct ctool_config *cfg, const char *text, const char *name, ctool_error_t *err);
void config_free(struct ctool_config *cfg);

/* config_load, then --root / --runroot when given (NULL when not), with
 * those flags as their origin. What main() calls. */
int config_load_with_flags(struct ctool_config *cfg, const char *root, const char *runroot, ctool_error_t *err);

/* A value given on the command line wins over the files; ORIGIN says so
 * ("--cgroup-manager"). VALUE is checked as a file's would be. */
int config_set(struct ctool_config *cfg, enum config_key key, const char *value, const char *origin,
               ctool_error_t *err);

const char *config_str(const struct ctool_config *cfg, enum config_key key);
int64_t config_int(const struct ctool_config *cfg, enum config_key key);
char *const *config_list(const struct ctool_config *cfg, enum config_key key);
const char *config_origin(const struct ctool_config *cfg, enum config_key key);
/* "containers.pids_limit" */
const char *config_key_name(enum config_key key);

/* For `ctool info`: {"Files": [...], "Values": {"containers.netns":
 * {"Value": ..., "Origin": ...}, ...}} */
json_object *config_to_json(const struct ctool_config *cfg);

/* "10MB", "512k", "1g", "1024" -> bytes (SI/IEC suffixes as Podman's
 * --log-opt max-size). */
int config_parse_size(const char *text, int64_t *out);
/* "nofile=1024:2048", "nproc=unlimited": what --ulimit and default_ulimits accept. */
bool config_ulimit_valid(const char *text);

#endif
