/* Containers on disk: create, find (by ID, unique ID prefix or name), list,
 * lock and remove.
 *
 *   ROOT/containers/ID/            persistent: ctool.json (metadata),
 *                                  config.json (OCI spec), upper/ work/
 *                                  merged/, hostname hosts resolv.conf,
 *                                  ctr.log, exit, lock
 *   ROOT/containers/names/NAME     symlink -> ID (symlink() is atomic)
 *   ROOT/containers/names.lock     flock held while a name is taken or freed
 *   ROOT/containers/tmp/           half-made and half-removed containers
 *   RUNROOT/containers/ID/         state.json (see state.h)
 *
 * A container exists once ROOT/containers/ID/ctool.json exists: it is
 * built under tmp/ and renamed into place, and removed by renaming it
 * back under tmp/ first, so a kill -9 at any point leaves either a whole
 * container or a leftover under tmp/ that the next removal clears. */
#ifndef CTOOL_CONTAINER_H
#define CTOOL_CONTAINER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "error.h"
#include "state.h"

#define CONTAINER_ID_LEN 64

struct container {
  char *id;
  char *name;
  char *dir;          /* ROOT/containers/ID */
  char *rundir;       /* RUNROOT/containers/ID */
  json_object *meta;  /* ctool.json */
  int lock_fd;        /* >= 0 while container_lock() holds it */
  const char *typed;  /* the name or ID prefix it was found by (not owned), or NULL */
};

/* The metadata keys of ctool.json (read with the json_get_* helpers). */
#define META_ID "Id"
#define META_NAME "Name"
#define META_CREATED "Created"          /* ns since the epoch */
#define META_IMAGE_ID "ImageId"
#define META_IMAGE_NAME "ImageName"     /* as the user typed it, resolved */
#define META_COMMAND "Command"          /* array: the process args */
#define META_LABELS "Labels"            /* object */
#define META_RM "AutoRemove"            /* bool */
#define META_NETWORK "Network"          /* "none", "host", ... */
#define META_PORTS "Ports"              /* array of strings */
#define META_STOP_SIGNAL "StopSignal"   /* int */
#define META_STOP_TIMEOUT "StopTimeout" /* int seconds */
#define META_TTY "Tty"                  /* bool */
#define META_INTERACTIVE "Interactive"  /* bool */
#define META_LAYERS "LayerDirs"         /* array: lower dirs, bottom first */
#define META_VOLUMES "Volumes"          /* array of named volumes used */
#define META_KEEP_ID "KeepId"           /* bool: --userns=keep-id */
#define META_ENTRYPOINT "Entrypoint"    /* array: as inspect shows it */
#define META_CMD "Cmd"                  /* array */
#define META_HOST_CONFIG "HostConfig"   /* object: the flags as Podman's inspect shows them */
#define META_LOG_SIZE_MAX "LogSizeMax"  /* int bytes: the monitor keeps ctr.log under it; -1 none */

/* New random 64-hex ID. */
void container_new_id(char id[CONTAINER_ID_LEN + 1]);
/* A random "adjective_noun" name not in use yet. */
char *container_random_name(const struct cli_ctx *ctx);
/* Podman's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
bool container_name_valid(const char *name);

/* ROOT/containers, RUNROOT/containers. */
char *containers_dir(const struct cli_ctx *ctx);
char *containers_rundir(const struct cli_ctx *ctx);

/* A container being made: files go into DIR (under tmp/) until commit. */
struct container_draft {
  char id[CONTAINER_ID_LEN + 1];
  char *name;
  char *tmp_dir;     /* ROOT/containers/tmp/ID: where files are written now */
  char *final_dir;   /* ROOT/containers/ID: where they live after commit */
  bool made;         /* tmp_dir exists */
  bool committed;
  bool generated_name; /* NAME was picked at random: another may replace it */
};

/* Pick the ID and the name (NULL: a random one); nothing is created yet.
 * A NAME already in use is an error here already, so that nothing is
 * built for nothing. */
int container_draft_begin(const struct cli_ctx *ctx, const char *name, struct container_draft *d,
                          ctool_error_t *err);
/* Create tmp_dir with upper/ work/ merged/. */
int container_draft_mkdirs(struct container_draft *d, ctool_error_t *err);
/* Write one file into the draft. */
int container_draft_write(struct container_draft *d, const char *file, const char *text, ctool_error_t *err);
/* Write ctool.json and move the container into place under its name. */
int container_draft_commit(const struct cli_ctx *ctx, struct container_draft *d, json_object *meta,
                           ctool_error_t *err);
/* Remove whatever an uncommitted draft left; free it. */
void container_draft_free(struct container_draft *d);

/* Find by full ID, name, or unique ID prefix. Not found: exit 125 with
 * Podman's "no container with name or ID ... found" and errnum ENOENT. */
int container_lookup(const struct cli_ctx *ctx, const char *ref, struct container **out, ctool_error_t *err);
/* Open by exact ID (used after listing). */
int container_open(const struct cli_ctx *ctx, const char *id, struct container **out, ctool_error_t *err);
/* Every container, newest first. */
int container_list(const struct cli_ctx *ctx, struct container ***out, size_t *n, ctool_error_t *err);
void container_list_free(struct container **list, size_t n);
void container_free(struct container *c);

/* Take the container's exclusive lock; then check it still exists (a
 * parallel rm may have removed it while we waited). */
int container_lock(struct container *c, ctool_error_t *err);
void container_unlock(struct container *c);

/* Load the live state (see state.h). */
int container_state(const struct container *c, struct ctr_state *st, ctool_error_t *err);
/* The OCI spec (config.json). */
int container_spec(const struct container *c, json_object **out, ctool_error_t *err);
/* Rewrite ctool.json from c->meta. */
int container_save_meta(struct container *c, ctool_error_t *err);

/* Remove the container's files, name and runtime state; the caller holds
 * the lock and has made sure nothing runs. Files owned by subordinate IDs
 * are removed from inside the user namespace. */
int container_remove(const struct cli_ctx *ctx, struct container *c, ctool_error_t *err);
/* Clear leftovers of interrupted creates and removes under tmp/. */
void container_clear_leftovers(const struct cli_ctx *ctx);
/* Remove a directory tree that may hold files owned by subordinate IDs. */
int remove_tree_as_owner(const char *path, bool keep_id, ctool_error_t *err);

/* True when any container uses image IMAGE_ID (rmi asks this). */
bool container_image_in_use(const struct cli_ctx *ctx, const char *image_id);

#endif
