/* Named volumes: directories in the store that containers mount.
 *
 *   ROOT/volumes/NAME/_data        the data, bind-mounted into containers
 *   ROOT/volumes/NAME/volume.json  {"Name", "CreatedAt" (ns), "Labels",
 *                                   "Options", "Anonymous"}
 *   ROOT/volumes/.lock             flock held while a volume is created or
 *                                  removed
 *   ROOT/volumes/.tmp/             half-made and half-removed volumes
 *
 * A volume exists once ROOT/volumes/NAME exists: it is built under .tmp/
 * and renamed into place, and removed by renaming it back under .tmp/
 * first, so a kill -9 leaves either a whole volume or a leftover under
 * .tmp/ that the next removal clears. A NAME directory without volume.json
 * (made by an older ctool) is a volume too, created when its directory
 * was. Files in _data may belong to subordinate IDs (written by users of
 * the container); removal goes through the user namespace for them. */
#ifndef CTOOL_VOLUME_H
#define CTOOL_VOLUME_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "error.h"

#define VOLUME_DATA_DIR "_data"
#define VOLUME_META_FILE "volume.json"

struct volume {
  char *name;
  char *dir;           /* ROOT/volumes/NAME */
  char *mountpoint;    /* ROOT/volumes/NAME/_data */
  int64_t created;     /* ns since the epoch */
  json_object *labels; /* object of strings */
  json_object *options;/* object of strings (none are supported yet) */
  bool anonymous;      /* made by `run -v /path` for one container */
};

/* Podman's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
bool volume_name_valid(const char *name);
/* ROOT/volumes and ROOT/volumes/NAME/_data (malloc'd). */
char *volumes_dir(const char *root);
char *volume_mountpoint(const char *root, const char *name);

struct volume_create_opts {
  const char *name;       /* NULL: a random 64-hex name */
  char *const *labels;    /* "KEY=VALUE" or "KEY", NULL-ended; may be NULL */
  bool anonymous;
  bool ignore_existing;   /* an existing NAME is success (it is opened) */
};

/* Create a volume. An existing name: exit 125, "volume with name NAME
 * already exists", errnum EEXIST (unless ignore_existing). */
int volume_create(const char *root, const struct volume_create_opts *o, struct volume **out, ctool_error_t *err);
/* What `run -v NAME:/path` calls: create NAME unless it exists; fine when
 * another process creates it at the same moment. */
int volume_ensure(const char *root, const char *name, bool anonymous, ctool_error_t *err);

/* Open by exact name. Missing: "no volume with name "NAME" found: no such
 * volume", errnum ENOENT. */
int volume_open(const char *root, const char *name, struct volume **out, ctool_error_t *err);
/* Every volume, sorted by name. */
int volume_list(const char *root, struct volume ***out, size_t *n, ctool_error_t *err);
void volume_free(struct volume *v);
void volume_list_free(struct volume **list, size_t n);

/* Podman's inspect object: Name, Driver "local", Mountpoint, CreatedAt,
 * Labels, Scope "local", Options, plus Anonymous when it is one. */
json_object *volume_to_json(const struct volume *v);

/* Remove the volume's directory (files of subordinate IDs included). The
 * caller has checked that no container uses it. */
int volume_remove(const char *root, const char *name, ctool_error_t *err);

/* Clear what interrupted creates and removes left under .tmp/. */
void volume_clear_leftovers(const char *root);

/* The names of every volume some container (in any state) mounts,
 * NULL-ended. */
int volumes_in_use(const struct cli_ctx *ctx, char ***out, ctool_error_t *err);
/* The names of the volumes no container mounts, sorted, NULL-ended. */
int volumes_unused(const struct cli_ctx *ctx, char ***out, ctool_error_t *err);
/* The IDs of the containers that mount NAME, NULL-ended. */
int volume_users(const struct cli_ctx *ctx, const char *name, char ***ids, ctool_error_t *err);

#endif
