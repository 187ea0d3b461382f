/* Build a container's OCI runtime-spec config.json from the image config
 * and the run/create options, as Podman would: process (args, env, cwd,
 * user, capabilities, rlimits, umask), hostname, mounts (defaults, the
 * /etc files, volumes, tmpfs), namespaces, masked and read-only paths,
 * seccomp, annotations. */
#ifndef CTOOL_SPEC_H
#define CTOOL_SPEC_H

#include <json-c/json.h>
#include <stdbool.h>

#include "error.h"
#include "image-user.h"
#include "run-opts.h"

struct spec_input {
  const char *id;
  const char *name;
  const char *ctr_dir;          /* ROOT/containers/ID, the final place */
  const char *store_root;       /* ROOT, for named volumes */
  json_object *image_config;    /* the OCI image config (with "config") */
  char *const *layer_dirs;
  const struct run_opts *opts;
};

/* What was decided besides the spec itself. */
struct spec_extra {
  char *hostname;
  json_object *volumes;     /* named volumes: [{"Name","Destination","Anonymous"}],
                               created (volume_ensure) before the commit */
  int stop_signal;          /* from the flags or the image, else SIGTERM */
  char **entrypoint;        /* the entrypoint and command that make up */
  char **cmd;               /* process.args (inspect shows them apart) */
  char *passwd, *group;     /* --userns=keep-id: /etc files with the user
                               added (keep-id.h), NULL: the image's */
};

/* Every check on the user's input happens here, before anything is
 * created: a bad user, volume, capability or ulimit is an error. */
int spec_build(const struct spec_input *in, json_object **spec, struct spec_extra *extra, ctool_error_t *err);
void spec_extra_clear(struct spec_extra *x);

/* Pieces, exposed for unit tests and for exec. */

/* Set KEY=VALUE in the NULL-ended ENV, replacing an earlier KEY. */
void env_set(char ***env, const char *kv);
/* Apply one -e argument: "K=V", "K" (from the host; skipped when unset),
 * "PREFIX*" (every host variable starting with PREFIX). */
void env_apply_arg(char ***env, const char *arg);
/* Read an --env-file: KEY=VALUE lines, KEY alone from the host, # comments. */
int env_apply_file(char ***env, const char *path, ctool_error_t *err);
/* The value of KEY in ENV, or NULL. */
const char *env_get(char *const *env, const char *key);

struct volume_spec {
  char *source;       /* host path, or the named volume's _data dir */
  char *name;         /* named volume, or NULL for a bind mount */
  char *destination;
  bool read_only;
  bool anonymous;
};
/* Parse -v SRC:DST[:OPTS] (also DST alone: an anonymous volume). Host
 * paths must exist. */
int volume_parse(const char *arg, const char *store_root, struct volume_spec *out, ctool_error_t *err);
void volume_spec_clear(struct volume_spec *v);

/* Capabilities after --cap-add/--cap-drop on top of Podman's default set,
 * as "CAP_..." names (NULL-ended, malloc'd). */
int caps_compute(char *const *add, char *const *drop, bool privileged, char ***out, ctool_error_t *err);

/* Parse --ulimit TYPE=SOFT[:HARD] into an OCI rlimit object. */
int ulimit_parse(const char *arg, json_object **out, ctool_error_t *err);

/* The OCI "process" object for exec: ARGS with ENV, CWD and USER resolved
 * against the container's spec and image (exec's -e, -w, -u). */
json_object *spec_process_for_exec(json_object *spec, char *const *layer_dirs, char *const *args,
                                   char *const *env, const char *workdir, const char *user, bool tty,
                                   ctool_error_t *err);

#endif
